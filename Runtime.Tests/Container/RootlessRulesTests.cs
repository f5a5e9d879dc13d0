using Runcs.Container;
using Runcs.Errors;
using Xunit;

namespace Runcs.Tests.Container;

/// <summary>runc's rootless rules that need no second user: the --rootless flag's words.</summary>
public sealed class RootlessRulesTests
{
    [Theory]
    [InlineData("auto", null)]
    [InlineData("", null)]
    [InlineData("true", true)]
    [InlineData("1", true)]
    [InlineData("T", true)]
    [InlineData("False", false)]
    [InlineData("0", false)]
    public void Rootless_flag_is_runcs_bool_or_auto(string value, bool? expected) =>
        Assert.Equal(expected, Rootless.ParseFlag(value));

    [Theory]
    [InlineData("yes")]
    [InlineData("TRUE ")]
    public void Other_rootless_values_are_an_error(string value) =>
        Assert.Contains("for flag --rootless", Assert.Throws<RuntimeError>(() => Rootless.ParseFlag(value)).Message);

    [Fact]
    public void The_flag_decides_before_any_detection()
    {
        Assert.True(Rootless.Cgroups("true", systemdCgroup: true));
        Assert.False(Rootless.Cgroups("false", systemdCgroup: false));
        Assert.False(Rootless.Cgroups("auto", systemdCgroup: true));
    }

    [Fact]
    public void Root_of_the_initial_user_namespace_is_not_rootless()
    {
        Assert.SkipUnless(Integration.RuncsBinary.IsRoot, "runs as root");
        Assert.False(Rootless.InUserNamespace());
        Assert.False(Rootless.Cgroups("auto", systemdCgroup: false));
    }
}
