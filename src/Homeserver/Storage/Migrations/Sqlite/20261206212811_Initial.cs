using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Matrix.Homeserver.Storage.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "access_tokens",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    token_hash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    expires_ts = table.Column<long>(type: "INTEGER", nullable: true),
                    refresh_token_id = table.Column<long>(type: "INTEGER", nullable: true),
                    replaces_refresh_token_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_access_tokens", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "account_data",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    type = table.Column<string>(type: "TEXT", nullable: false),
                    content = table.Column<string>(type: "TEXT", nullable: false),
                    stream_position = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_account_data", x => new { x.user_id, x.room_id, x.type });
                });

            migrationBuilder.CreateTable(
                name: "appservice_outbox",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    app_service_id = table.Column<string>(type: "TEXT", nullable: false),
                    event_id = table.Column<string>(type: "TEXT", nullable: true),
                    ephemeral = table.Column<string>(type: "TEXT", nullable: true),
                    txn_id = table.Column<string>(type: "TEXT", nullable: true),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_appservice_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "appservice_room_list",
                columns: table => new
                {
                    app_service_id = table.Column<string>(type: "TEXT", nullable: false),
                    network_id = table.Column<string>(type: "TEXT", nullable: false),
                    room_id = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_appservice_room_list", x => new { x.app_service_id, x.network_id, x.room_id });
                });

            migrationBuilder.CreateTable(
                name: "appservice_states",
                columns: table => new
                {
                    app_service_id = table.Column<string>(type: "TEXT", nullable: false),
                    next_txn_id = table.Column<long>(type: "INTEGER", nullable: false),
                    retry_last_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    retry_interval_ms = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_appservice_states", x => x.app_service_id);
                });

            migrationBuilder.CreateTable(
                name: "blocked_rooms",
                columns: table => new
                {
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    blocked_by = table.Column<string>(type: "TEXT", nullable: false),
                    blocked_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_blocked_rooms", x => x.room_id);
                });

            migrationBuilder.CreateTable(
                name: "content_reports",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    reporter = table.Column<string>(type: "TEXT", nullable: false),
                    room_id = table.Column<string>(type: "TEXT", nullable: true),
                    event_id = table.Column<string>(type: "TEXT", nullable: true),
                    target_user_id = table.Column<string>(type: "TEXT", nullable: true),
                    reason = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    received_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_content_reports", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "current_state",
                columns: table => new
                {
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    type = table.Column<string>(type: "TEXT", nullable: false),
                    state_key = table.Column<string>(type: "TEXT", nullable: false),
                    event_nid = table.Column<long>(type: "INTEGER", nullable: false),
                    event_id = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_current_state", x => new { x.room_id, x.type, x.state_key });
                });

            migrationBuilder.CreateTable(
                name: "dehydrated_devices",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_data = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_dehydrated_devices", x => x.user_id);
                });

            migrationBuilder.CreateTable(
                name: "device_list_changes",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    stream_position = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_device_list_changes", x => x.user_id);
                });

            migrationBuilder.CreateTable(
                name: "device_list_outbound_streams",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    stream_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_device_list_outbound_streams", x => x.user_id);
                });

            migrationBuilder.CreateTable(
                name: "devices",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    display_name = table.Column<string>(type: "TEXT", nullable: true),
                    last_seen_ip = table.Column<string>(type: "TEXT", nullable: true),
                    last_seen_ts = table.Column<long>(type: "INTEGER", nullable: true),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_devices", x => new { x.user_id, x.device_id });
                });

            migrationBuilder.CreateTable(
                name: "e2e_cross_signing_keys",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    key_type = table.Column<string>(type: "TEXT", nullable: false),
                    public_key = table.Column<string>(type: "TEXT", nullable: false),
                    json = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_e2e_cross_signing_keys", x => new { x.user_id, x.key_type });
                });

            migrationBuilder.CreateTable(
                name: "e2e_cross_signing_signatures",
                columns: table => new
                {
                    signer_user_id = table.Column<string>(type: "TEXT", nullable: false),
                    signer_key_id = table.Column<string>(type: "TEXT", nullable: false),
                    target_user_id = table.Column<string>(type: "TEXT", nullable: false),
                    target_key_id = table.Column<string>(type: "TEXT", nullable: false),
                    signature = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_e2e_cross_signing_signatures", x => new { x.target_user_id, x.target_key_id, x.signer_user_id, x.signer_key_id });
                });

            migrationBuilder.CreateTable(
                name: "e2e_device_keys",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    json = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_e2e_device_keys", x => new { x.user_id, x.device_id });
                });

            migrationBuilder.CreateTable(
                name: "e2e_fallback_keys",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    algorithm = table.Column<string>(type: "TEXT", nullable: false),
                    key_id = table.Column<string>(type: "TEXT", nullable: false),
                    json = table.Column<string>(type: "TEXT", nullable: false),
                    used = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_e2e_fallback_keys", x => new { x.user_id, x.device_id, x.algorithm });
                });

            migrationBuilder.CreateTable(
                name: "e2e_one_time_keys",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    algorithm = table.Column<string>(type: "TEXT", nullable: false),
                    key_id = table.Column<string>(type: "TEXT", nullable: false),
                    json = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_e2e_one_time_keys", x => new { x.user_id, x.device_id, x.algorithm, x.key_id });
                });

            migrationBuilder.CreateTable(
                name: "e2e_room_key_versions",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false),
                    algorithm = table.Column<string>(type: "TEXT", nullable: false),
                    auth_data = table.Column<string>(type: "TEXT", nullable: false),
                    etag = table.Column<long>(type: "INTEGER", nullable: false),
                    deleted = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_e2e_room_key_versions", x => new { x.user_id, x.version });
                });

            migrationBuilder.CreateTable(
                name: "e2e_room_keys",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    version = table.Column<long>(type: "INTEGER", nullable: false),
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    session_id = table.Column<string>(type: "TEXT", nullable: false),
                    first_message_index = table.Column<long>(type: "INTEGER", nullable: false),
                    forwarded_count = table.Column<long>(type: "INTEGER", nullable: false),
                    is_verified = table.Column<bool>(type: "INTEGER", nullable: false),
                    session_data = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_e2e_room_keys", x => new { x.user_id, x.version, x.room_id, x.session_id });
                });

            migrationBuilder.CreateTable(
                name: "event_auth_edges",
                columns: table => new
                {
                    event_nid = table.Column<long>(type: "INTEGER", nullable: false),
                    auth_event_id = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_auth_edges", x => new { x.event_nid, x.auth_event_id });
                });

            migrationBuilder.CreateTable(
                name: "event_edges",
                columns: table => new
                {
                    event_nid = table.Column<long>(type: "INTEGER", nullable: false),
                    prev_event_id = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_edges", x => new { x.event_nid, x.prev_event_id });
                });

            migrationBuilder.CreateTable(
                name: "event_push_actions",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    stream_ordering = table.Column<long>(type: "INTEGER", nullable: false),
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    event_id = table.Column<string>(type: "TEXT", nullable: false),
                    thread_id = table.Column<string>(type: "TEXT", nullable: false),
                    highlight = table.Column<bool>(type: "INTEGER", nullable: false),
                    actions = table.Column<string>(type: "TEXT", nullable: false),
                    ts = table.Column<long>(type: "INTEGER", nullable: false),
                    written_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_push_actions", x => new { x.user_id, x.stream_ordering });
                });

            migrationBuilder.CreateTable(
                name: "event_relations",
                columns: table => new
                {
                    event_id = table.Column<string>(type: "TEXT", nullable: false),
                    relates_to_id = table.Column<string>(type: "TEXT", nullable: false),
                    rel_type = table.Column<string>(type: "TEXT", nullable: false),
                    aggregation_key = table.Column<string>(type: "TEXT", nullable: true),
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    sender = table.Column<string>(type: "TEXT", nullable: false),
                    type = table.Column<string>(type: "TEXT", nullable: false),
                    stream_ordering = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_relations", x => x.event_id);
                });

            migrationBuilder.CreateTable(
                name: "event_search",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    event_id = table.Column<string>(type: "TEXT", nullable: false),
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    sender = table.Column<string>(type: "TEXT", nullable: false),
                    type = table.Column<string>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", nullable: false),
                    value = table.Column<string>(type: "TEXT", nullable: false),
                    stream_ordering = table.Column<long>(type: "INTEGER", nullable: false),
                    origin_server_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_search", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "event_transactions",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    path = table.Column<string>(type: "TEXT", nullable: false),
                    txn_id = table.Column<string>(type: "TEXT", nullable: false),
                    event_id = table.Column<string>(type: "TEXT", nullable: false),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_event_transactions", x => new { x.user_id, x.device_id, x.path });
                });

            migrationBuilder.CreateTable(
                name: "events",
                columns: table => new
                {
                    nid = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    event_id = table.Column<string>(type: "TEXT", nullable: true),
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    type = table.Column<string>(type: "TEXT", nullable: false),
                    state_key = table.Column<string>(type: "TEXT", nullable: true),
                    sender = table.Column<string>(type: "TEXT", nullable: false),
                    origin_server_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    depth = table.Column<long>(type: "INTEGER", nullable: false),
                    stream_ordering = table.Column<long>(type: "INTEGER", nullable: true),
                    json = table.Column<string>(type: "TEXT", nullable: false),
                    outlier = table.Column<bool>(type: "INTEGER", nullable: false),
                    rejected_reason = table.Column<string>(type: "TEXT", nullable: true),
                    soft_failed = table.Column<bool>(type: "INTEGER", nullable: false),
                    redacts = table.Column<string>(type: "TEXT", nullable: true),
                    redacted_by = table.Column<string>(type: "TEXT", nullable: true),
                    state_group = table.Column<long>(type: "INTEGER", nullable: true),
                    replaces_state = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_events", x => x.nid);
                });

            migrationBuilder.CreateTable(
                name: "federation_destination",
                columns: table => new
                {
                    destination = table.Column<string>(type: "TEXT", nullable: false),
                    next_txn_id = table.Column<long>(type: "INTEGER", nullable: false),
                    retry_last_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    retry_interval_ms = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_federation_destination", x => x.destination);
                });

            migrationBuilder.CreateTable(
                name: "federation_outbox",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    destination = table.Column<string>(type: "TEXT", nullable: false),
                    event_id = table.Column<string>(type: "TEXT", nullable: true),
                    edu_type = table.Column<string>(type: "TEXT", nullable: true),
                    edu_content = table.Column<string>(type: "TEXT", nullable: true),
                    coalescing_key = table.Column<string>(type: "TEXT", nullable: true),
                    txn_id = table.Column<string>(type: "TEXT", nullable: true),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_federation_outbox", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "forward_extremities",
                columns: table => new
                {
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    event_id = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_forward_extremities", x => new { x.room_id, x.event_id });
                });

            migrationBuilder.CreateTable(
                name: "local_media",
                columns: table => new
                {
                    media_id = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    uploader_user_id = table.Column<string>(type: "TEXT", nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    upload_name = table.Column<string>(type: "TEXT", nullable: true),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    uploaded_ts = table.Column<long>(type: "INTEGER", nullable: true),
                    unused_expires_ts = table.Column<long>(type: "INTEGER", nullable: true),
                    upload_claim = table.Column<string>(type: "TEXT", nullable: true),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    sha256 = table.Column<byte[]>(type: "BLOB", nullable: true),
                    authenticated = table.Column<bool>(type: "INTEGER", nullable: false),
                    quarantined_by = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_local_media", x => x.media_id);
                });

            migrationBuilder.CreateTable(
                name: "login_token",
                columns: table => new
                {
                    token_hash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    expires_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_login_token", x => x.token_hash);
                });

            migrationBuilder.CreateTable(
                name: "media_thumbnails",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    origin = table.Column<string>(type: "TEXT", nullable: false),
                    media_id = table.Column<string>(type: "TEXT", nullable: false),
                    width = table.Column<int>(type: "INTEGER", nullable: false),
                    height = table.Column<int>(type: "INTEGER", nullable: false),
                    method = table.Column<string>(type: "TEXT", maxLength: 8, nullable: false),
                    content_type = table.Column<string>(type: "TEXT", nullable: false),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_media_thumbnails", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "openid_tokens",
                columns: table => new
                {
                    token_hash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    expires_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_openid_tokens", x => x.token_hash);
                });

            migrationBuilder.CreateTable(
                name: "presence",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    state = table.Column<string>(type: "TEXT", nullable: false),
                    status_msg = table.Column<string>(type: "TEXT", nullable: true),
                    last_active_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    last_user_sync_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_presence", x => x.user_id);
                });

            migrationBuilder.CreateTable(
                name: "private_device_list_changes",
                columns: table => new
                {
                    viewer_user_id = table.Column<string>(type: "TEXT", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    stream_position = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_private_device_list_changes", x => new { x.viewer_user_id, x.user_id });
                });

            migrationBuilder.CreateTable(
                name: "profile_field",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    key = table.Column<string>(type: "TEXT", nullable: false),
                    value = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_profile_field", x => new { x.user_id, x.key });
                });

            migrationBuilder.CreateTable(
                name: "push_rules",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    kind = table.Column<string>(type: "TEXT", nullable: false),
                    rule_id = table.Column<string>(type: "TEXT", nullable: false),
                    position = table.Column<long>(type: "INTEGER", nullable: false),
                    conditions = table.Column<string>(type: "TEXT", nullable: true),
                    pattern = table.Column<string>(type: "TEXT", nullable: true),
                    actions = table.Column<string>(type: "TEXT", nullable: true),
                    enabled = table.Column<bool>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_push_rules", x => new { x.user_id, x.kind, x.rule_id });
                });

            migrationBuilder.CreateTable(
                name: "pushers",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: true),
                    kind = table.Column<string>(type: "TEXT", nullable: false),
                    app_id = table.Column<string>(type: "TEXT", nullable: false),
                    push_key = table.Column<string>(type: "TEXT", nullable: false),
                    push_key_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    app_display_name = table.Column<string>(type: "TEXT", nullable: false),
                    device_display_name = table.Column<string>(type: "TEXT", nullable: false),
                    profile_tag = table.Column<string>(type: "TEXT", nullable: true),
                    lang = table.Column<string>(type: "TEXT", nullable: false),
                    data = table.Column<string>(type: "TEXT", nullable: false),
                    last_stream_ordering = table.Column<long>(type: "INTEGER", nullable: false),
                    failing_since = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_pushers", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "receipts",
                columns: table => new
                {
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    receipt_type = table.Column<string>(type: "TEXT", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    thread_id = table.Column<string>(type: "TEXT", nullable: false),
                    event_id = table.Column<string>(type: "TEXT", nullable: false),
                    ts = table.Column<long>(type: "INTEGER", nullable: false),
                    stream_position = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_receipts", x => new { x.room_id, x.receipt_type, x.user_id, x.thread_id });
                });

            migrationBuilder.CreateTable(
                name: "received_transaction",
                columns: table => new
                {
                    origin = table.Column<string>(type: "TEXT", nullable: false),
                    txn_id = table.Column<string>(type: "TEXT", nullable: false),
                    response_json = table.Column<string>(type: "TEXT", nullable: false),
                    received_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_received_transaction", x => new { x.origin, x.txn_id });
                });

            migrationBuilder.CreateTable(
                name: "refresh_tokens",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    token_hash = table.Column<byte[]>(type: "BLOB", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    next_token_id = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_refresh_tokens", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "registration_token",
                columns: table => new
                {
                    token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    uses_allowed = table.Column<int>(type: "INTEGER", nullable: true),
                    pending = table.Column<int>(type: "INTEGER", nullable: false),
                    completed = table.Column<int>(type: "INTEGER", nullable: false),
                    expiry_time = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_registration_token", x => x.token);
                });

            migrationBuilder.CreateTable(
                name: "remote_device_lists",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    stream_id = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_remote_device_lists", x => x.user_id);
                });

            migrationBuilder.CreateTable(
                name: "remote_devices",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    display_name = table.Column<string>(type: "TEXT", nullable: true),
                    keys_json = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_remote_devices", x => new { x.user_id, x.device_id });
                });

            migrationBuilder.CreateTable(
                name: "remote_media",
                columns: table => new
                {
                    origin = table.Column<string>(type: "TEXT", nullable: false),
                    media_id = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    content_type = table.Column<string>(type: "TEXT", maxLength: 255, nullable: false),
                    upload_name = table.Column<string>(type: "TEXT", nullable: true),
                    fetched_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    size_bytes = table.Column<long>(type: "INTEGER", nullable: false),
                    sha256 = table.Column<byte[]>(type: "BLOB", nullable: false),
                    authenticated = table.Column<bool>(type: "INTEGER", nullable: false),
                    quarantined_by = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_remote_media", x => new { x.origin, x.media_id });
                });

            migrationBuilder.CreateTable(
                name: "remote_server_keys",
                columns: table => new
                {
                    server_name = table.Column<string>(type: "TEXT", nullable: false),
                    key_id = table.Column<string>(type: "TEXT", nullable: false),
                    public_key = table.Column<string>(type: "TEXT", nullable: false),
                    valid_until_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    is_old = table.Column<bool>(type: "INTEGER", nullable: false),
                    fetched_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    from_server = table.Column<string>(type: "TEXT", nullable: false),
                    response_json = table.Column<string>(type: "TEXT", nullable: false),
                    response_valid_until_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_remote_server_keys", x => new { x.server_name, x.key_id });
                });

            migrationBuilder.CreateTable(
                name: "room_aliases",
                columns: table => new
                {
                    alias = table.Column<string>(type: "TEXT", nullable: false),
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    creator = table.Column<string>(type: "TEXT", nullable: false),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_room_aliases", x => x.alias);
                });

            migrationBuilder.CreateTable(
                name: "room_memberships",
                columns: table => new
                {
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    membership = table.Column<string>(type: "TEXT", nullable: false),
                    event_id = table.Column<string>(type: "TEXT", nullable: false),
                    sender = table.Column<string>(type: "TEXT", nullable: false),
                    stream_ordering = table.Column<long>(type: "INTEGER", nullable: false),
                    joined_at = table.Column<long>(type: "INTEGER", nullable: false),
                    display_name = table.Column<string>(type: "TEXT", nullable: true),
                    avatar_url = table.Column<string>(type: "TEXT", nullable: true),
                    forgotten = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_room_memberships", x => new { x.room_id, x.user_id });
                });

            migrationBuilder.CreateTable(
                name: "room_push_actions",
                columns: table => new
                {
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    stream_ordering = table.Column<long>(type: "INTEGER", nullable: false),
                    event_id = table.Column<string>(type: "TEXT", nullable: false),
                    sender = table.Column<string>(type: "TEXT", nullable: false),
                    thread_id = table.Column<string>(type: "TEXT", nullable: false),
                    highlight = table.Column<bool>(type: "INTEGER", nullable: false),
                    actions = table.Column<string>(type: "TEXT", nullable: false),
                    ts = table.Column<long>(type: "INTEGER", nullable: false),
                    written_at = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_room_push_actions", x => new { x.room_id, x.stream_ordering });
                });

            migrationBuilder.CreateTable(
                name: "rooms",
                columns: table => new
                {
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    room_version = table.Column<string>(type: "TEXT", nullable: false),
                    creator = table.Column<string>(type: "TEXT", nullable: true),
                    is_public = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    current_state_group = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_rooms", x => x.room_id);
                });

            migrationBuilder.CreateTable(
                name: "state_group_entries",
                columns: table => new
                {
                    state_group_id = table.Column<long>(type: "INTEGER", nullable: false),
                    type = table.Column<string>(type: "TEXT", nullable: false),
                    state_key = table.Column<string>(type: "TEXT", nullable: false),
                    event_nid = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_state_group_entries", x => new { x.state_group_id, x.type, x.state_key });
                });

            migrationBuilder.CreateTable(
                name: "state_groups",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    room_id = table.Column<string>(type: "TEXT", nullable: false),
                    parent_id = table.Column<long>(type: "INTEGER", nullable: true),
                    chain_length = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_state_groups", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "stream_positions",
                columns: table => new
                {
                    stream = table.Column<string>(type: "TEXT", nullable: false),
                    position = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_stream_positions", x => x.stream);
                });

            migrationBuilder.CreateTable(
                name: "to_device_messages",
                columns: table => new
                {
                    id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    stream_position = table.Column<long>(type: "INTEGER", nullable: false),
                    json = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_to_device_messages", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "to_device_transactions",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    device_id = table.Column<string>(type: "TEXT", nullable: false),
                    txn_id = table.Column<string>(type: "TEXT", nullable: false),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_to_device_transactions", x => new { x.user_id, x.device_id, x.txn_id });
                });

            migrationBuilder.CreateTable(
                name: "uia_session",
                columns: table => new
                {
                    session_id = table.Column<string>(type: "TEXT", nullable: false),
                    method = table.Column<string>(type: "TEXT", nullable: false),
                    path = table.Column<string>(type: "TEXT", nullable: false),
                    user_id = table.Column<string>(type: "TEXT", nullable: true),
                    intent_hash = table.Column<byte[]>(type: "BLOB", nullable: true),
                    description = table.Column<string>(type: "TEXT", nullable: false),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    expires_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    data = table.Column<string>(type: "TEXT", nullable: true),
                    finished = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_uia_session", x => x.session_id);
                });

            migrationBuilder.CreateTable(
                name: "uia_session_stage",
                columns: table => new
                {
                    session_id = table.Column<string>(type: "TEXT", nullable: false),
                    stage = table.Column<string>(type: "TEXT", nullable: false),
                    result = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_uia_session_stage", x => new { x.session_id, x.stage });
                });

            migrationBuilder.CreateTable(
                name: "user_filter",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    filter_id = table.Column<long>(type: "INTEGER", nullable: false),
                    json = table.Column<string>(type: "TEXT", nullable: false),
                    json_hash = table.Column<byte[]>(type: "BLOB", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_user_filter", x => new { x.user_id, x.filter_id });
                });

            migrationBuilder.CreateTable(
                name: "user_threepid_id_servers",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    medium = table.Column<string>(type: "TEXT", nullable: false),
                    address = table.Column<string>(type: "TEXT", nullable: false),
                    id_server = table.Column<string>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_user_threepid_id_servers", x => new { x.user_id, x.medium, x.address, x.id_server });
                });

            migrationBuilder.CreateTable(
                name: "users",
                columns: table => new
                {
                    user_id = table.Column<string>(type: "TEXT", nullable: false),
                    localpart = table.Column<string>(type: "TEXT", nullable: false),
                    password_hash = table.Column<string>(type: "TEXT", nullable: true),
                    display_name = table.Column<string>(type: "TEXT", nullable: true),
                    avatar_url = table.Column<string>(type: "TEXT", nullable: true),
                    is_admin = table.Column<bool>(type: "INTEGER", nullable: false),
                    is_guest = table.Column<bool>(type: "INTEGER", nullable: false),
                    deactivated = table.Column<bool>(type: "INTEGER", nullable: false),
                    erased = table.Column<bool>(type: "INTEGER", nullable: false),
                    locked = table.Column<bool>(type: "INTEGER", nullable: false),
                    suspended = table.Column<bool>(type: "INTEGER", nullable: false),
                    created_ts = table.Column<long>(type: "INTEGER", nullable: false),
                    user_type = table.Column<string>(type: "TEXT", nullable: true),
                    app_service_id = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_users", x => x.user_id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_access_tokens_token_hash",
                table: "access_tokens",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_access_tokens_user_id_device_id",
                table: "access_tokens",
                columns: new[] { "user_id", "device_id" });

            migrationBuilder.CreateIndex(
                name: "ix_account_data_stream_position",
                table: "account_data",
                column: "stream_position");

            migrationBuilder.CreateIndex(
                name: "ix_account_data_user_id_stream_position",
                table: "account_data",
                columns: new[] { "user_id", "stream_position" });

            migrationBuilder.CreateIndex(
                name: "ix_appservice_outbox_app_service_id_id",
                table: "appservice_outbox",
                columns: new[] { "app_service_id", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_appservice_room_list_room_id",
                table: "appservice_room_list",
                column: "room_id");

            migrationBuilder.CreateIndex(
                name: "ix_content_reports_received_ts",
                table: "content_reports",
                column: "received_ts");

            migrationBuilder.CreateIndex(
                name: "ix_device_list_changes_stream_position",
                table: "device_list_changes",
                column: "stream_position");

            migrationBuilder.CreateIndex(
                name: "ix_event_edges_prev_event_id",
                table: "event_edges",
                column: "prev_event_id");

            migrationBuilder.CreateIndex(
                name: "ix_event_push_actions_user_id_room_id_stream_ordering",
                table: "event_push_actions",
                columns: new[] { "user_id", "room_id", "stream_ordering" });

            migrationBuilder.CreateIndex(
                name: "ix_event_push_actions_user_id_written_at",
                table: "event_push_actions",
                columns: new[] { "user_id", "written_at" });

            migrationBuilder.CreateIndex(
                name: "ix_event_relations_relates_to_id_rel_type_stream_ordering",
                table: "event_relations",
                columns: new[] { "relates_to_id", "rel_type", "stream_ordering" });

            migrationBuilder.CreateIndex(
                name: "ix_event_relations_room_id_rel_type_stream_ordering",
                table: "event_relations",
                columns: new[] { "room_id", "rel_type", "stream_ordering" });

            migrationBuilder.CreateIndex(
                name: "ix_event_search_event_id",
                table: "event_search",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_event_search_room_id_stream_ordering",
                table: "event_search",
                columns: new[] { "room_id", "stream_ordering" });

            migrationBuilder.CreateIndex(
                name: "ix_event_transactions_event_id",
                table: "event_transactions",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_events_event_id",
                table: "events",
                column: "event_id",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_events_redacts",
                table: "events",
                column: "redacts",
                filter: "redacts IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_events_room_id_origin_server_ts",
                table: "events",
                columns: new[] { "room_id", "origin_server_ts" });

            migrationBuilder.CreateIndex(
                name: "ix_events_room_id_type_state_key",
                table: "events",
                columns: new[] { "room_id", "type", "state_key" },
                filter: "state_key IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_events_stream_ordering",
                table: "events",
                column: "stream_ordering",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_events_timeline",
                table: "events",
                columns: new[] { "room_id", "stream_ordering" },
                filter: "NOT outlier AND rejected_reason IS NULL AND NOT soft_failed");

            migrationBuilder.CreateIndex(
                name: "ix_federation_outbox_destination_id",
                table: "federation_outbox",
                columns: new[] { "destination", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_local_media_unused_expires_ts",
                table: "local_media",
                column: "unused_expires_ts");

            migrationBuilder.CreateIndex(
                name: "ix_local_media_uploader_user_id_uploaded_ts",
                table: "local_media",
                columns: new[] { "uploader_user_id", "uploaded_ts" });

            migrationBuilder.CreateIndex(
                name: "ix_login_token_expires_ts",
                table: "login_token",
                column: "expires_ts");

            migrationBuilder.CreateIndex(
                name: "ix_media_thumbnails_origin_media_id_width_height_method_content_type",
                table: "media_thumbnails",
                columns: new[] { "origin", "media_id", "width", "height", "method", "content_type" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_openid_tokens_expires_ts",
                table: "openid_tokens",
                column: "expires_ts");

            migrationBuilder.CreateIndex(
                name: "ix_private_device_list_changes_stream_position",
                table: "private_device_list_changes",
                column: "stream_position");

            migrationBuilder.CreateIndex(
                name: "ix_pushers_app_id_push_key_user_id",
                table: "pushers",
                columns: new[] { "app_id", "push_key", "user_id" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_pushers_user_id_device_id",
                table: "pushers",
                columns: new[] { "user_id", "device_id" });

            migrationBuilder.CreateIndex(
                name: "ix_receipts_stream_position",
                table: "receipts",
                column: "stream_position");

            migrationBuilder.CreateIndex(
                name: "ix_receipts_user_id_room_id",
                table: "receipts",
                columns: new[] { "user_id", "room_id" });

            migrationBuilder.CreateIndex(
                name: "ix_received_transaction_received_ts",
                table: "received_transaction",
                column: "received_ts");

            migrationBuilder.CreateIndex(
                name: "ix_refresh_tokens_token_hash",
                table: "refresh_tokens",
                column: "token_hash",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_refresh_tokens_user_id_device_id",
                table: "refresh_tokens",
                columns: new[] { "user_id", "device_id" });

            migrationBuilder.CreateIndex(
                name: "ix_room_aliases_room_id",
                table: "room_aliases",
                column: "room_id");

            migrationBuilder.CreateIndex(
                name: "ix_room_memberships_user_id_membership",
                table: "room_memberships",
                columns: new[] { "user_id", "membership" });

            migrationBuilder.CreateIndex(
                name: "ix_room_push_actions_room_id_written_at",
                table: "room_push_actions",
                columns: new[] { "room_id", "written_at" });

            migrationBuilder.CreateIndex(
                name: "ix_state_groups_room_id",
                table: "state_groups",
                column: "room_id");

            migrationBuilder.CreateIndex(
                name: "ix_to_device_messages_stream_position",
                table: "to_device_messages",
                column: "stream_position");

            migrationBuilder.CreateIndex(
                name: "ix_to_device_messages_user_id_device_id_stream_position",
                table: "to_device_messages",
                columns: new[] { "user_id", "device_id", "stream_position" });

            migrationBuilder.CreateIndex(
                name: "ix_to_device_transactions_created_ts",
                table: "to_device_transactions",
                column: "created_ts");

            migrationBuilder.CreateIndex(
                name: "ix_uia_session_expires_ts",
                table: "uia_session",
                column: "expires_ts");

            migrationBuilder.CreateIndex(
                name: "ix_user_filter_user_id_json_hash",
                table: "user_filter",
                columns: new[] { "user_id", "json_hash" });

            migrationBuilder.CreateIndex(
                name: "ix_users_localpart",
                table: "users",
                column: "localpart",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "access_tokens");

            migrationBuilder.DropTable(
                name: "account_data");

            migrationBuilder.DropTable(
                name: "appservice_outbox");

            migrationBuilder.DropTable(
                name: "appservice_room_list");

            migrationBuilder.DropTable(
                name: "appservice_states");

            migrationBuilder.DropTable(
                name: "blocked_rooms");

            migrationBuilder.DropTable(
                name: "content_reports");

            migrationBuilder.DropTable(
                name: "current_state");

            migrationBuilder.DropTable(
                name: "dehydrated_devices");

            migrationBuilder.DropTable(
                name: "device_list_changes");

            migrationBuilder.DropTable(
                name: "device_list_outbound_streams");

            migrationBuilder.DropTable(
                name: "devices");

            migrationBuilder.DropTable(
                name: "e2e_cross_signing_keys");

            migrationBuilder.DropTable(
                name: "e2e_cross_signing_signatures");

            migrationBuilder.DropTable(
                name: "e2e_device_keys");

            migrationBuilder.DropTable(
                name: "e2e_fallback_keys");

            migrationBuilder.DropTable(
                name: "e2e_one_time_keys");

            migrationBuilder.DropTable(
                name: "e2e_room_key_versions");

            migrationBuilder.DropTable(
                name: "e2e_room_keys");

            migrationBuilder.DropTable(
                name: "event_auth_edges");

            migrationBuilder.DropTable(
                name: "event_edges");

            migrationBuilder.DropTable(
                name: "event_push_actions");

            migrationBuilder.DropTable(
                name: "event_relations");

            migrationBuilder.DropTable(
                name: "event_search");

            migrationBuilder.DropTable(
                name: "event_transactions");

            migrationBuilder.DropTable(
                name: "events");

            migrationBuilder.DropTable(
                name: "federation_destination");

            migrationBuilder.DropTable(
                name: "federation_outbox");

            migrationBuilder.DropTable(
                name: "forward_extremities");

            migrationBuilder.DropTable(
                name: "local_media");

            migrationBuilder.DropTable(
                name: "login_token");

            migrationBuilder.DropTable(
                name: "media_thumbnails");

            migrationBuilder.DropTable(
                name: "openid_tokens");

            migrationBuilder.DropTable(
                name: "presence");

            migrationBuilder.DropTable(
                name: "private_device_list_changes");

            migrationBuilder.DropTable(
                name: "profile_field");

            migrationBuilder.DropTable(
                name: "push_rules");

            migrationBuilder.DropTable(
                name: "pushers");

            migrationBuilder.DropTable(
                name: "receipts");

            migrationBuilder.DropTable(
                name: "received_transaction");

            migrationBuilder.DropTable(
                name: "refresh_tokens");

            migrationBuilder.DropTable(
                name: "registration_token");

            migrationBuilder.DropTable(
                name: "remote_device_lists");

            migrationBuilder.DropTable(
                name: "remote_devices");

            migrationBuilder.DropTable(
                name: "remote_media");

            migrationBuilder.DropTable(
                name: "remote_server_keys");

            migrationBuilder.DropTable(
                name: "room_aliases");

            migrationBuilder.DropTable(
                name: "room_memberships");

            migrationBuilder.DropTable(
                name: "room_push_actions");

            migrationBuilder.DropTable(
                name: "rooms");

            migrationBuilder.DropTable(
                name: "state_group_entries");

            migrationBuilder.DropTable(
                name: "state_groups");

            migrationBuilder.DropTable(
                name: "stream_positions");

            migrationBuilder.DropTable(
                name: "to_device_messages");

            migrationBuilder.DropTable(
                name: "to_device_transactions");

            migrationBuilder.DropTable(
                name: "uia_session");

            migrationBuilder.DropTable(
                name: "uia_session_stage");

            migrationBuilder.DropTable(
                name: "user_filter");

            migrationBuilder.DropTable(
                name: "user_threepid_id_servers");

            migrationBuilder.DropTable(
                name: "users");
        }
    }
}
