using Matrix.Federation.Auth;
using Matrix.Federation.Events;

namespace Matrix.Federation.StateResolution;

internal static class PowerEvents
{
    /// <summary>
    /// Power levels, join rules, and kicks and bans (a leave or ban of someone else): the events that
    /// can take an ability away. The create event counts too, as in Synapse and ruma, so a forged second
    /// create is ordered with the power events rather than by mainline.
    /// </summary>
    public static bool IsPowerEvent(Pdu pdu) =>
        pdu.StateKey == "" && pdu.Type is EventTypes.PowerLevels or EventTypes.JoinRules or EventTypes.Create
        || (pdu.Type == EventTypes.Member && pdu.Membership is Memberships.Leave or Memberships.Ban && pdu.StateKey is { } target && target != pdu.Sender);

    /// <summary>The sender's power level according to the event's own auth events (its power levels and create event).</summary>
    public static long SenderLevel(EventLoader loader, Pdu pdu)
    {
        Pdu? create = null, powerLevels = null;
        foreach (var stored in loader.AuthEventsOf(pdu))
        {
            if (stored.Pdu.StateKey != "") continue;
            if (stored.Pdu.Type == EventTypes.Create) create = stored.Pdu;
            else if (stored.Pdu.Type == EventTypes.PowerLevels) powerLevels = stored.Pdu;
        }

        return PowerLevels.From(create, powerLevels).UserLevel(pdu.Sender);
    }
}
