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
}
