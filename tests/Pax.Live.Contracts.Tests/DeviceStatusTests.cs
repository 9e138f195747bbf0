using System.Text;

namespace Pax.Live.Contracts.Tests;

public sealed class DeviceStatusTests
{
    [Fact]
    public void OnlineIsAcceptedAsOnline()
    {
        Assert.Equal(RejectReason.None, DeviceStatus.TryParse("online"u8, out var online));
        Assert.True(online);
    }

    [Fact]
    public void OfflineIsAcceptedAsOffline()
    {
        Assert.Equal(RejectReason.None, DeviceStatus.TryParse("offline"u8, out var online));
        Assert.False(online);
    }

    [Fact]
    public void ConstantsAreTheWireWords()
    {
        Assert.Equal("online", DeviceStatus.Online);
        Assert.Equal("offline", DeviceStatus.Offline);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Online")]
    [InlineData("ONLINE")]
    [InlineData("Offline")]
    [InlineData(" online")]
    [InlineData("online ")]
    [InlineData("online\n")]
    [InlineData("\"online\"")]
    [InlineData("onlin")]
    [InlineData("onlinex")]
    [InlineData("offlin")]
    [InlineData("true")]
    [InlineData("1")]
    [InlineData("{\"status\":\"online\"}")]
    public void AnyOtherPayloadIsBadStatus(string payload)
    {
        Assert.Equal(RejectReason.BadStatus, DeviceStatus.TryParse(Encoding.UTF8.GetBytes(payload), out var online));
        Assert.False(online);
    }
}
