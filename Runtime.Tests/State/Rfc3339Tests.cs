using Runcs.Text;
using Xunit;

namespace Runcs.Tests.State;

public class Rfc3339Tests
{
    private static DateTimeOffset Utc(long fracTicks, TimeSpan? offset = null)
        => new DateTimeOffset(2026, 11, 29, 18, 40, 12, offset ?? TimeSpan.Zero).AddTicks(fracTicks);

    [Theory]
    [InlineData(1234567, "2026-11-29T18:40:12.1234567Z")]
    [InlineData(1234560, "2026-11-29T18:40:12.123456Z")]   // Go trims trailing zeros
    [InlineData(1000000, "2026-11-29T18:40:12.1Z")]
    [InlineData(10, "2026-11-29T18:40:12.000001Z")]
    [InlineData(1, "2026-11-29T18:40:12.0000001Z")]
    [InlineData(0, "2026-11-29T18:40:12Z")]                 // no fraction at all
    public void FormatNano_TrimsLikeGo(long ticks, string expected)
        => Assert.Equal(expected, Rfc3339.FormatNano(Utc(ticks)));

    [Fact]
    public void FormatNano_Offsets()
    {
        Assert.Equal("2026-11-29T18:40:12.5+01:00", Rfc3339.FormatNano(Utc(5000000, TimeSpan.FromHours(1))));
        Assert.Equal("2026-11-29T18:40:12-05:30", Rfc3339.FormatNano(Utc(0, new TimeSpan(-5, -30, 0))));
        Assert.Equal("0001-01-01T00:00:00Z", Rfc3339.FormatNano(default));
    }

    [Fact]
    public void Format_WholeSeconds()
    {
        Assert.Equal("2026-11-29T18:40:12Z", Rfc3339.Format(Utc(1234567)));
        Assert.Equal("2026-11-29T18:40:12+01:00", Rfc3339.Format(Utc(5000000, TimeSpan.FromHours(1))));
        Assert.Equal("2026-11-29T18:40:12-05:30", Rfc3339.Format(Utc(0, new TimeSpan(-5, -30, 0))));
    }

    [Theory]
    [InlineData("2026-11-29T18:40:12.123456789Z", 1234567, 0)]  // ns truncated to 100 ns ticks
    [InlineData("2026-11-29T18:40:12Z", 0, 0)]
    [InlineData("2026-11-29T18:40:12.5+01:00", 5000000, 60)]
    [InlineData("2026-11-29T18:40:12.000001-05:30", 10, -330)]
    public void TryParse_Valid(string s, long ticks, int offsetMinutes)
    {
        Assert.True(Rfc3339.TryParse(s, out var v));
        Assert.Equal(Utc(ticks, TimeSpan.FromMinutes(offsetMinutes)), v);
        Assert.Equal(TimeSpan.FromMinutes(offsetMinutes), v.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2026-11-29 18:40:12Z")]
    [InlineData("2026-11-29T18:40:12")]
    [InlineData("2026-11-29T18:40:12.Z")]
    [InlineData("2026-13-29T18:40:12Z")]
    [InlineData("2026-02-30T18:40:12Z")]
    [InlineData("2026-11-29T18:40:12+0100")]
    public void TryParse_Invalid(string s) => Assert.False(Rfc3339.TryParse(s, out _));

    [Fact]
    public void RoundTrip()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.True(Rfc3339.TryParse(Rfc3339.FormatNano(now), out var back));
        Assert.Equal(now, back);
    }
}
