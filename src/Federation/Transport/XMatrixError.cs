namespace Matrix.Federation.Transport;

/// <summary>Each way an X-Matrix Authorization header can fail to parse or verify.</summary>
public enum XMatrixError
{
    None,
    /// <summary>No header, or its scheme is not X-Matrix.</summary>
    NotXMatrix,
    /// <summary>The parameter list does not parse (missing '=', unterminated quote, junk after a value, ...).</summary>
    Malformed,
    /// <summary>A parameter appears twice, which would make the header ambiguous.</summary>
    DuplicateParameter,
    MissingOrigin,
    MissingKey,
    MissingSignature,
    /// <summary>origin (or destination) is not a valid server name.</summary>
    InvalidServerName,
    /// <summary>key is not <c>algorithm:version</c> with a valid version.</summary>
    InvalidKeyId,
    /// <summary>destination names another server: the spec requires 401.</summary>
    DestinationMismatch,
    /// <summary>The origin's key is unknown or no longer valid.</summary>
    UnknownKey,
    /// <summary>The signature does not verify for this method, URI, destination and body.</summary>
    InvalidSignature,
    /// <summary>
    /// The body has no canonical form (a float, an integer out of range), so no signature over it can be checked:
    /// the request is bad JSON (400 M_BAD_JSON, where Synapse, whose encoder takes floats, refuses the event inside).
    /// </summary>
    BodyNotCanonical,
}
