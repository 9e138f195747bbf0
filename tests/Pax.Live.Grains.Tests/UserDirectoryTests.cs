using Pax.Live.Abstractions;

namespace Pax.Live.Grains.Tests;

/// <summary>The user directory: a change of power bumps the user's stamp and is told to every host before it answers.</summary>
[Collection(ClusterCollection.Name)]
public sealed class UserDirectoryTests(ClusterFixture fixture)
{
    [Fact]
    public async Task AChangeOfPowerBumpsTheStampAndIsToldToEveryHostBeforeTheUpsertAnswers()
    {
        var directory = fixture.Grains.GetGrain<IUserDirectoryGrain>(0);
        var name = "user-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.RegisterObserver();
        Assert.True(await directory.Upsert(new UserRecord(name, Role.Operator, ["norr"], "hash-1")));
        Assert.Equal(0, (await directory.Find(name))!.Stamp);

        // The same again, or a stamp the caller made up, changes nothing.
        Assert.False(await directory.Upsert(new UserRecord(name, Role.Operator, ["norr"], "hash-1", Stamp: 99)));
        Assert.Equal(0, (await directory.Find(name))!.Stamp);
        Assert.DoesNotContain(fixture.Events.Of<UserChanged>(), c => c.UserName == name);

        var stamp = 0;
        foreach (var changed in new[]
        {
            new UserRecord(name, Role.Guard, ["norr"], "hash-1"),
            new UserRecord(name, Role.Guard, ["syd"], "hash-1"),
            new UserRecord(name, Role.Guard, ["syd"], "hash-2"),
            new UserRecord(name, Role.Guard, ["syd"], "hash-2", Disabled: true),
        })
        {
            await directory.Upsert(changed);
            Assert.Equal(++stamp, (await directory.Find(name))!.Stamp);

            // Awaited: the host has heard by the time the upsert returns.
            Assert.Equal(stamp, fixture.Events.Of<UserChanged>().Count(c => c.UserName == name));
        }
    }

    [Fact]
    public async Task AChangeAHostCouldNotBeToldOfIsAnsweredOnlyOnceWhatThatHostCachedHasRunOut()
    {
        var directory = fixture.Grains.GetGrain<IUserDirectoryGrain>(0);
        var name = "user-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.RegisterObserver();
        await directory.Upsert(new UserRecord(name, Role.Operator, [], "hash-1"));

        // A host that is registered but cannot take the news (its silo's route to it is gone, say).
        var deaf = fixture.Grains.CreateObjectReference<ILiveObserver>(new DeafHost());
        var hosts = fixture.Grains.GetGrain<ILiveHostDirectoryGrain>(0);
        await hosts.Register(deaf);
        try
        {
            var demotion = directory.Upsert(new UserRecord(name, Role.Staff, [], "hash-1"));

            // The host that could be told was told; the answer still waits, as the deaf host may trust its cache.
            await fixture.Events.WaitFor<UserChanged>(c => c.UserName == name);
            await Task.Delay(500);
            Assert.False(demotion.IsCompleted, "the change was answered while a host that was not told could still accept the old token");

            fixture.Clock.Advance(UserDirectoryGrain.HostTimeout);
            await demotion.WaitAsync(TimeSpan.FromSeconds(20));
            Assert.Equal(1, (await directory.Find(name))!.Stamp);
        }
        finally
        {
            await hosts.Unregister(deaf);
            fixture.Grains.DeleteObjectReference<ILiveObserver>(deaf);
        }
    }

    /// <summary>A web host that is registered but refuses every call.</summary>
    private sealed class DeafHost : ILiveObserver
    {
        public Task OnStatusesChanged(PlaceStatusChanged[] changes) => Task.CompletedTask;

        public Task OnAlert(AlertFeedEntry entry) => Task.CompletedTask;

        public Task OnPlaceDefined(PlaceDefinition definition) => Task.CompletedTask;

        public Task OnDeviceRevoked(string deviceId, DateTimeOffset issuedBefore) => Task.CompletedTask;

        public Task OnUserChanged(string userName) => throw new InvalidOperationException("This host is unreachable.");
    }
}
