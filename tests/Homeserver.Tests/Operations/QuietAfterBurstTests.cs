using Matrix.Homeserver.Operations;

namespace Matrix.Homeserver.Tests.Operations;

/// <summary>When the idle collector acts: after a burst, once quiet, and not again until the next burst.</summary>
public sealed class QuietAfterBurstTests
{
    private const long MiB = 1L << 20;

    [Fact]
    public void A_burst_followed_by_quiet_samples_trims_once_and_only_after_enough_of_them()
    {
        var trim = new QuietAfterBurst(burstBytes: 64 * MiB, quietBytesPerSample: MiB, quietSamples: 3);
        var total = 0L;
        Assert.False(trim.Sample(total));

        // A burst: 100 MiB over two samples, then quiet.
        Assert.False(trim.Sample(total += 50 * MiB));
        Assert.False(trim.Sample(total += 50 * MiB));
        Assert.False(trim.Sample(total += MiB / 2));
        Assert.False(trim.Sample(total += MiB / 2));
        Assert.True(trim.Sample(total += 0));
        trim.Restart(total);

        // Still quiet: nothing more to give back.
        for (var i = 0; i < 10; i++) Assert.False(trim.Sample(total += MiB / 4));
    }

    [Fact]
    public void Activity_in_between_restarts_the_quiet_count_and_small_bursts_add_up()
    {
        var trim = new QuietAfterBurst(burstBytes: 64 * MiB, quietBytesPerSample: MiB, quietSamples: 2);
        var total = 0L;
        trim.Sample(total);

        // 40 MiB, quiet, 40 MiB: only the second quiet spell follows 64 MiB in all.
        Assert.False(trim.Sample(total += 40 * MiB));
        Assert.False(trim.Sample(total += 0));
        Assert.False(trim.Sample(total += 0));
        Assert.False(trim.Sample(total += 40 * MiB));
        Assert.False(trim.Sample(total += 0));
        Assert.True(trim.Sample(total += 0));
    }

    [Fact]
    public void The_young_collection_waits_for_a_pause_longer_than_a_busy_clients_and_for_a_MiB_first()
    {
        var young = QuietAfterBurst.ForYoungCollection();
        var total = 0L;
        young.Sample(total);

        // Steady traffic: every 100 ms sample allocates more than the quiet allowance, however long it lasts.
        for (var i = 0; i < 100; i++) Assert.False(young.Sample(total += MiB / 2));

        // Then quiet: the third quiet sample in a row acts.
        Assert.False(young.Sample(total += 0));
        Assert.False(young.Sample(total += 0));
        Assert.True(young.Sample(total += 0));
        young.Restart(total);

        // A small burst (half a MiB) and quiet: too little to be worth a collection.
        Assert.False(young.Sample(total += MiB / 2));
        for (var i = 0; i < 10; i++) Assert.False(young.Sample(total += 0));
    }

    [Fact]
    public void Start_up_is_trimmed_after_five_quiet_samples_whatever_it_allocated()
    {
        var startup = QuietAfterBurst.ForStartupTrim();
        var total = 11 * MiB;
        startup.Sample(total);

        // Requests keep coming: no trim while any sample allocates more than a MiB.
        for (var i = 0; i < 10; i++) Assert.False(startup.Sample(total += 2 * MiB));
        for (var i = 0; i < 4; i++) Assert.False(startup.Sample(total += MiB / 4));
        Assert.True(startup.Sample(total += 0));
    }

    [Fact]
    public void A_sample_busy_otherwise_is_not_quiet_however_little_it_allocated()
    {
        var startup = QuietAfterBurst.ForStartupTrim();
        var total = 11 * MiB;
        startup.Sample(total);

        // The JIT still compiling after start-up: nothing allocated, but no trim until five samples are quiet in both.
        for (var i = 0; i < 10; i++) Assert.False(startup.Sample(total, busyOtherwise: true));
        for (var i = 0; i < 4; i++) Assert.False(startup.Sample(total));
        Assert.False(startup.Sample(total, busyOtherwise: true));
        for (var i = 0; i < 4; i++) Assert.False(startup.Sample(total));
        Assert.True(startup.Sample(total));
    }

    [Fact]
    public void Mapped_files_are_given_back_only_after_a_minute_of_quiet_after_a_burst()
    {
        var pageOut = QuietAfterBurst.ForPageOut();
        var total = 0L;
        pageOut.Sample(total);
        Assert.False(pageOut.Sample(total += 100 * MiB));

        // A room's messages a few seconds apart: the pages stay.
        for (var i = 0; i < 30; i++) Assert.False(pageOut.Sample(total += 0));
        Assert.False(pageOut.Sample(total += 2 * MiB));
        for (var i = 0; i < 59; i++) Assert.False(pageOut.Sample(total += 0));
        Assert.True(pageOut.Sample(total += 0));
    }

    [Fact]
    public void A_quiet_server_unmaps_again_after_every_half_minute_of_quiet_whatever_came_before()
    {
        var unmap = QuietAfterBurst.ForIdleUnmap();
        var total = 11 * MiB;
        unmap.Sample(total);

        // Nothing allocated before: half a minute of quiet is enough, and the next half minute again.
        for (var i = 0; i < 29; i++) Assert.False(unmap.Sample(total += 4096));
        Assert.True(unmap.Sample(total += 0));
        unmap.Restart(total);
        for (var i = 0; i < 29; i++) Assert.False(unmap.Sample(total += 0));
        Assert.True(unmap.Sample(total += 0));
        unmap.Restart(total);

        // A client's request now and then starts the half minute again.
        for (var i = 0; i < 20; i++) Assert.False(unmap.Sample(total += 0));
        Assert.False(unmap.Sample(total += 2 * MiB));
        for (var i = 0; i < 29; i++) Assert.False(unmap.Sample(total += 0));
        Assert.True(unmap.Sample(total += 0));
    }

    [Fact]
    public void After_the_JIT_compiled_the_unmap_waits_for_two_seconds_without_a_compilation_or_an_allocation()
    {
        var afterJit = QuietAfterBurst.ForUnmapAfterJit();
        var total = 11 * MiB;
        afterJit.Sample(total);

        // A tier-up now and then (the caller passes a compilation as busy) starts the two seconds again.
        Assert.False(afterJit.Sample(total += 4096));
        Assert.False(afterJit.Sample(total, busyOtherwise: true));
        Assert.False(afterJit.Sample(total += 0));
        Assert.True(afterJit.Sample(total += 0));

        // And so does a request.
        afterJit.Restart(total);
        Assert.False(afterJit.Sample(total += 0));
        Assert.False(afterJit.Sample(total += 2 * MiB));
        Assert.False(afterJit.Sample(total += 0));
        Assert.True(afterJit.Sample(total += 0));
    }
}
