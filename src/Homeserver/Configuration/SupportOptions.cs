namespace Matrix.Homeserver.Configuration;

/// <summary>Who to contact about this server, published at /.well-known/matrix/support.</summary>
public sealed class SupportOptions
{
    public List<SupportContact> Contacts { get; set; } = [];

    /// <summary>A web page with support information.</summary>
    public string? SupportPage { get; set; }
}

/// <summary>One contact: a role (m.role.admin, m.role.security, or a namespaced role) and a Matrix ID and/or email address.</summary>
public sealed class SupportContact
{
    public string Role { get; set; } = "m.role.admin";
    public string? MatrixId { get; set; }
    public string? EmailAddress { get; set; }
}
