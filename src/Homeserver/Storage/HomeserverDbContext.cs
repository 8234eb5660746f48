using Matrix.Homeserver.Storage.Entities;
using Microsoft.EntityFrameworkCore;

namespace Matrix.Homeserver.Storage;

/// <summary>
/// The one database context. Provider-specific subclasses exist only so that each provider has its own
/// migrations; the model is the same for both.
/// </summary>
public abstract class HomeserverDbContext(DbContextOptions options) : DbContext(options), IDbSource
{
    HomeserverDbContext IDbSource.Db => this;

    public DbSet<User> Users => Set<User>();
    public DbSet<Device> Devices => Set<Device>();
    public DbSet<AccessToken> AccessTokens => Set<AccessToken>();
    public DbSet<RefreshToken> RefreshTokens => Set<RefreshToken>();
    public DbSet<Room> Rooms => Set<Room>();
    public DbSet<Event> Events => Set<Event>();
    public DbSet<EventEdge> EventEdges => Set<EventEdge>();
    public DbSet<EventAuthEdge> EventAuthEdges => Set<EventAuthEdge>();
    public DbSet<ForwardExtremity> ForwardExtremities => Set<ForwardExtremity>();
    public DbSet<StateGroup> StateGroups => Set<StateGroup>();
    public DbSet<StateGroupEntry> StateGroupEntries => Set<StateGroupEntry>();
    public DbSet<CurrentStateEntry> CurrentState => Set<CurrentStateEntry>();
    public DbSet<RoomMembership> RoomMemberships => Set<RoomMembership>();
    public DbSet<EventTransaction> EventTransactions => Set<EventTransaction>();
    public DbSet<StreamPosition> StreamPositions => Set<StreamPosition>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(HomeserverDbContext).Assembly);
    }
}
