using Runcs.Errors;
using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.Sys;

public sealed class SignalsTests
{
    [Theory]
    [InlineData("0", 0)]
    [InlineData("9", 9)]
    [InlineData("+10", 10)]
    [InlineData("010", 10)]
    [InlineData("-5", -5)] // runc passes numbers on: the kernel refuses it
    [InlineData("99", 99)]
    [InlineData("99999999999", -1)]
    [InlineData("KILL", 9)]
    [InlineData("sigterm", 15)]
    [InlineData("SIGSYS", 31)]
    [InlineData("IOT", 6)]
    [InlineData("RTMIN", 34)]
    [InlineData("RTMIN+1", 35)]
    [InlineData("SIGRTMIN+30", 64)]
    [InlineData("RTMAX", 64)]
    [InlineData("rtmax-30", 34)]
    public void Parses_numbers_and_names(string text, int expected) => Assert.Equal(expected, Signals.Parse(text));

    [Theory]
    [InlineData("RTMINX")]
    [InlineData("RTMIN+")]
    [InlineData("RTMIN+99999999999")]
    [InlineData("RTMIN-5")]
    [InlineData("RTMIN+31")]
    [InlineData("RTMAX+1")]
    [InlineData("RTMAX-")]
    [InlineData("RTMIN+0")]
    [InlineData(" 10")]
    [InlineData("99999999999999999999")]
    [InlineData("POLL")]
    [InlineData("SIG")]
    public void Refuses_what_runc_refuses_with_its_message(string text)
    {
        var e = Assert.Throws<RuntimeError>(() => Signals.Parse(text));
        Assert.Equal($"unknown signal \"{text}\"", e.Message);
    }

    [Theory]
    [InlineData(0, "exit status 0")]
    [InlineData(3 << 8, "exit status 3")]
    [InlineData(9, "signal: killed")]
    [InlineData(15, "signal: terminated")]
    [InlineData(6 | 0x80, "signal: aborted (core dumped)")]
    [InlineData(40, "signal: signal 40")]
    public void Describes_wait_statuses_as_go(int status, string expected) => Assert.Equal(expected, Signals.DescribeWaitStatus(status));
}
