using Runcs.State;
using Runcs.Text;
using Xunit;

namespace Runcs.Tests.State;

/// <summary>Expected strings were captured from runc 1.1.5 (go1.19.8) on this host; the
/// "created" values were edited in runc's own state.json to fit .NET's 100 ns precision.</summary>
public class FormatterTests
{
    private static ContainerState S(string id, string bundle, string created, Dictionary<string, string>? annotations = null)
    {
        Assert.True(Rfc3339.TryParse(created, out var c));
        return new ContainerState
        {
            OciVersion = "1.0.2-dev",
            Id = id,
            Bundle = bundle,
            Rootfs = bundle + "/rootfs",
            Created = c,
            Annotations = annotations,
        };
    }

    private static readonly Dictionary<string, string> AnnAnnotations = new()
    {
        ["org.b"] = "x y",
        ["bundle"] = "zz", // runc drops a user "bundle" annotation from its output
        ["org.a"] = "1",
    };

    private static readonly Dictionary<string, string> XAnnotations = new()
    {
        ["h"] = "<a&b>\u00e9\t\u2028\u0001\u0008\u000c\u007f\"\\/",
        ["k=x"] = "v",
        ["Z"] = "",
        ["\ud83d\ude00"] = "emoji",
    };

    private static List<ListEntry> Root1() =>
    [
        new(S("a", "/tmp/rb/b1", "2026-11-29T18:28:44.6179344Z"), ContainerStatus.Stopped, 0, "root"),
        new(S("ann", "/tmp/rb/b3", "2026-11-29T18:29:16Z", AnnAnnotations), ContainerStatus.Created, 4510, "root"),
        new(S("c3", "/tmp/rb/b1", "2026-11-29T18:28:44.5+01:00"), ContainerStatus.Created, 4024, "root"),
        new(S("longer-container-name", "/tmp/rb/b2", "2026-01-02T03:04:05.000001-05:30"), ContainerStatus.Running, 4009, "root"),
    ];

    private static List<ListEntry> Root2() =>
    [
        new(S("abcdefghijklmnopqrstuvwxyz0123456789", "/tmp/rb/b1", "2026-11-29T18:31:04.33Z"), ContainerStatus.Created, 5914, "root"),
        new(S("x", "/tmp/rb/b\u00fc", "2026-11-29T18:31:04.2992541Z", XAnnotations), ContainerStatus.Created, 5899, "root"),
    ];

    [Fact]
    public void Table_MatchesRunc()
    {
        const string expected = "ID                      PID         STATUS      BUNDLE       CREATED                            OWNER\na                       0           stopped     /tmp/rb/b1   2026-11-29T18:28:44.6179344Z       root\nann                     4510        created     /tmp/rb/b3   2026-11-29T18:29:16Z               root\nc3                      4024        created     /tmp/rb/b1   2026-11-29T18:28:44.5+01:00        root\nlonger-container-name   4009        running     /tmp/rb/b2   2026-01-02T03:04:05.000001-05:30   root\n";
        Assert.Equal(expected, ListFormatter.Table(Root1()));
    }

    [Fact]
    public void Table_LongIdAndNonAsciiBundle_MatchesRunc()
    {
        // tabwriter measures cells in runes: "/tmp/rb/bü" is 10 wide, not 11
        const string expected = "ID                                     PID         STATUS      BUNDLE       CREATED                        OWNER\nabcdefghijklmnopqrstuvwxyz0123456789   5914        created     /tmp/rb/b1   2026-11-29T18:31:04.33Z        root\nx                                      5899        created     /tmp/rb/b\u00fc   2026-11-29T18:31:04.2992541Z   root\n";
        Assert.Equal(expected, ListFormatter.Table(Root2()));
    }

    [Fact]
    public void Table_Empty_IsHeaderWithMinWidth()
    {
        Assert.Equal("ID          PID         STATUS      BUNDLE      CREATED     OWNER\n", ListFormatter.Table([]));
    }

    [Fact]
    public void Json_MatchesRunc()
    {
        const string expected = "[{\"ociVersion\":\"1.0.2-dev\",\"id\":\"a\",\"pid\":0,\"status\":\"stopped\",\"bundle\":\"/tmp/rb/b1\",\"rootfs\":\"/tmp/rb/b1/rootfs\",\"created\":\"2026-11-29T18:28:44.6179344Z\",\"owner\":\"root\"},{\"ociVersion\":\"1.0.2-dev\",\"id\":\"ann\",\"pid\":4510,\"status\":\"created\",\"bundle\":\"/tmp/rb/b3\",\"rootfs\":\"/tmp/rb/b3/rootfs\",\"created\":\"2026-11-29T18:29:16Z\",\"annotations\":{\"org.a\":\"1\",\"org.b\":\"x y\"},\"owner\":\"root\"},{\"ociVersion\":\"1.0.2-dev\",\"id\":\"c3\",\"pid\":4024,\"status\":\"created\",\"bundle\":\"/tmp/rb/b1\",\"rootfs\":\"/tmp/rb/b1/rootfs\",\"created\":\"2026-11-29T18:28:44.5+01:00\",\"owner\":\"root\"},{\"ociVersion\":\"1.0.2-dev\",\"id\":\"longer-container-name\",\"pid\":4009,\"status\":\"running\",\"bundle\":\"/tmp/rb/b2\",\"rootfs\":\"/tmp/rb/b2/rootfs\",\"created\":\"2026-01-02T03:04:05.000001-05:30\",\"owner\":\"root\"}]\n";
        Assert.Equal(expected, ListFormatter.Json(Root1()));
    }

    [Fact]
    public void Json_EscapingLikeGo_MatchesRunc()
    {
        const string expected = "[{\"ociVersion\":\"1.0.2-dev\",\"id\":\"abcdefghijklmnopqrstuvwxyz0123456789\",\"pid\":5914,\"status\":\"created\",\"bundle\":\"/tmp/rb/b1\",\"rootfs\":\"/tmp/rb/b1/rootfs\",\"created\":\"2026-11-29T18:31:04.33Z\",\"owner\":\"root\"},{\"ociVersion\":\"1.0.2-dev\",\"id\":\"x\",\"pid\":5899,\"status\":\"created\",\"bundle\":\"/tmp/rb/b\u00fc\",\"rootfs\":\"/tmp/rb/b\u00fc/rootfs\",\"created\":\"2026-11-29T18:31:04.2992541Z\",\"annotations\":{\"Z\":\"\",\"h\":\"\\u003ca\\u0026b\\u003e\u00e9\\t\\u2028\\u0001\\u0008\\u000c\u007f\\\"\\\\/\",\"k\":\"x=v\",\"\ud83d\ude00\":\"emoji\"},\"owner\":\"root\"}]\n";
        Assert.Equal(expected, ListFormatter.Json(Root2()));
    }

    [Fact]
    public void Json_Empty_IsNull()
    {
        Assert.Equal("null\n", ListFormatter.Json([]));
    }

    [Fact]
    public void Quiet_IdsOnePerLine()
    {
        Assert.Equal("a\nann\nc3\nlonger-container-name\n", ListFormatter.Quiet(Root1()));
        Assert.Equal("", ListFormatter.Quiet([]));
    }

    [Fact]
    public void State_Stopped_MatchesRunc()
    {
        const string expected = "{\n  \"ociVersion\": \"1.0.2-dev\",\n  \"id\": \"a\",\n  \"pid\": 0,\n  \"status\": \"stopped\",\n  \"bundle\": \"/tmp/rb/b1\",\n  \"rootfs\": \"/tmp/rb/b1/rootfs\",\n  \"created\": \"2026-11-29T18:28:44.6179344Z\",\n  \"owner\": \"\"\n}";
        var s = S("a", "/tmp/rb/b1", "2026-11-29T18:28:44.6179344Z");
        s.InitPid = 3994;
        Assert.Equal(expected, StateFormatter.StateJson(s, ContainerStatus.Stopped, StatusProbe.VisiblePid(s, ContainerStatus.Stopped)));
    }

    [Fact]
    public void State_WithAnnotations_MatchesRunc()
    {
        const string expected = "{\n  \"ociVersion\": \"1.0.2-dev\",\n  \"id\": \"ann\",\n  \"pid\": 4510,\n  \"status\": \"created\",\n  \"bundle\": \"/tmp/rb/b3\",\n  \"rootfs\": \"/tmp/rb/b3/rootfs\",\n  \"created\": \"2026-11-29T18:29:16Z\",\n  \"annotations\": {\n    \"org.a\": \"1\",\n    \"org.b\": \"x y\"\n  },\n  \"owner\": \"\"\n}";
        var s = S("ann", "/tmp/rb/b3", "2026-11-29T18:29:16Z", AnnAnnotations);
        s.Owner = "root"; // runc's state never prints an owner
        Assert.Equal(expected, StateFormatter.StateJson(s, ContainerStatus.Created, 4510));
    }

    [Fact]
    public void State_Offsets_MatchRunc()
    {
        const string c3 = "{\n  \"ociVersion\": \"1.0.2-dev\",\n  \"id\": \"c3\",\n  \"pid\": 4024,\n  \"status\": \"created\",\n  \"bundle\": \"/tmp/rb/b1\",\n  \"rootfs\": \"/tmp/rb/b1/rootfs\",\n  \"created\": \"2026-11-29T18:28:44.5+01:00\",\n  \"owner\": \"\"\n}";
        const string longer = "{\n  \"ociVersion\": \"1.0.2-dev\",\n  \"id\": \"longer-container-name\",\n  \"pid\": 4009,\n  \"status\": \"running\",\n  \"bundle\": \"/tmp/rb/b2\",\n  \"rootfs\": \"/tmp/rb/b2/rootfs\",\n  \"created\": \"2026-01-02T03:04:05.000001-05:30\",\n  \"owner\": \"\"\n}";
        Assert.Equal(c3, StateFormatter.StateJson(S("c3", "/tmp/rb/b1", "2026-11-29T18:28:44.5+01:00"), ContainerStatus.Created, 4024));
        Assert.Equal(longer, StateFormatter.StateJson(S("longer-container-name", "/tmp/rb/b2", "2026-01-02T03:04:05.000001-05:30"), ContainerStatus.Running, 4009));
    }

    [Fact]
    public void State_GoEscaping_MatchesRunc()
    {
        const string expected = "{\n  \"ociVersion\": \"1.0.2-dev\",\n  \"id\": \"x\",\n  \"pid\": 5899,\n  \"status\": \"created\",\n  \"bundle\": \"/tmp/rb/b\u00fc\",\n  \"rootfs\": \"/tmp/rb/b\u00fc/rootfs\",\n  \"created\": \"2026-11-29T18:31:04.2992541Z\",\n  \"annotations\": {\n    \"Z\": \"\",\n    \"h\": \"\\u003ca\\u0026b\\u003e\u00e9\\t\\u2028\\u0001\\u0008\\u000c\u007f\\\"\\\\/\",\n    \"k\": \"x=v\",\n    \"\ud83d\ude00\": \"emoji\"\n  },\n  \"owner\": \"\"\n}";
        Assert.Equal(expected, StateFormatter.StateJson(S("x", "/tmp/rb/b\u00fc", "2026-11-29T18:31:04.2992541Z", XAnnotations), ContainerStatus.Created, 5899));
    }

    [Fact]
    public void State_OnlyBundleAnnotation_OmitsAnnotations()
    {
        var s = S("a", "/b", "2026-11-29T18:28:44Z", new() { ["bundle"] = "/elsewhere" });
        Assert.DoesNotContain("annotations", StateFormatter.StateJson(s, ContainerStatus.Running, 1));
        Assert.DoesNotContain("annotations", ListFormatter.Json([new ListEntry(s, ContainerStatus.Running, 1, "root")]));
    }

    [Fact]
    public void GoJson_LoneSurrogate_IsReplacementEscape()
    {
        var sb = new System.Text.StringBuilder();
        GoJson.WriteString(sb, "a\ud800b\u2029\r\n");
        Assert.Equal("\"a\\ufffdb\\u2029\\r\\n\"", sb.ToString());
    }

    [Fact]
    public void TabWriter_RaggedLinesFollowGoBlocks()
    {
        // Worked out by hand from Go's text/tabwriter rules: a one-cell line ends every column
        // block, and a column only spans consecutive lines that have a cell in it.
        var text = "a\tb\tc\nlonger\tx\nsingle\nq\tw\n";
        var expected =
            "a        b   c\n" +
            "longer   x\n" +
            "single\n" +
            "q   w\n";
        Assert.Equal(expected, TabWriter.Format(text, minWidth: 0, padding: 3, padChar: ' '));
    }
}
