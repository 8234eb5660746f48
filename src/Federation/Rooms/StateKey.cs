namespace Matrix.Federation.Rooms;

/// <summary>A state map key: an event type and a state key.</summary>
public readonly record struct StateKey(string Type, string Key)
{
    public override string ToString() => $"({Type}, {Key})";
}
