using System.Reflection;
using Runcs.Seccomp;
using Runcs.Sys;
using Xunit;

namespace Runcs.Tests.Unit;

/// <summary>The syscall numbers runcs declares by hand agree with the kernel headers' (the generated seccomp table).</summary>
public sealed class SyscallNumbersTests
{
    [Fact]
    public void Each_number_is_the_kernels()
    {
        var fields = typeof(SyscallNumbers).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).ToList();
        Assert.NotEmpty(fields);
        foreach (var f in fields)
        {
            string name = f.Name["SYS_".Length..];
            Assert.True(SyscallTable.X86_64.TryGetValue(name, out int number), $"{name} is not an x86_64 syscall");
            Assert.Equal((long)number, (long)f.GetRawConstantValue()!);
        }
    }
}
