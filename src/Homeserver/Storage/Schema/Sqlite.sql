CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "migration_id" TEXT NOT NULL CONSTRAINT "pk___ef_migrations_history" PRIMARY KEY,
    "product_version" TEXT NOT NULL
);

CREATE TABLE "access_tokens" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_access_tokens" PRIMARY KEY AUTOINCREMENT,
    "token_hash" BLOB NOT NULL,
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "created_ts" INTEGER NOT NULL,
    "expires_ts" INTEGER NULL,
    "refresh_token_id" INTEGER NULL,
    "replaces_refresh_token_id" INTEGER NULL
);

CREATE TABLE "account_data" (
    "user_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "content" TEXT NOT NULL,
    "stream_position" INTEGER NOT NULL,
    CONSTRAINT "pk_account_data" PRIMARY KEY ("user_id", "room_id", "type")
);

CREATE TABLE "appservice_outbox" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_appservice_outbox" PRIMARY KEY AUTOINCREMENT,
    "app_service_id" TEXT NOT NULL,
    "event_id" TEXT NULL,
    "ephemeral" TEXT NULL,
    "txn_id" TEXT NULL,
    "created_ts" INTEGER NOT NULL
);

CREATE TABLE "appservice_room_list" (
    "app_service_id" TEXT NOT NULL,
    "network_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    CONSTRAINT "pk_appservice_room_list" PRIMARY KEY ("app_service_id", "network_id", "room_id")
);

CREATE TABLE "appservice_states" (
    "app_service_id" TEXT NOT NULL CONSTRAINT "pk_appservice_states" PRIMARY KEY,
    "next_txn_id" INTEGER NOT NULL,
    "retry_last_ts" INTEGER NOT NULL,
    "retry_interval_ms" INTEGER NOT NULL
);

CREATE TABLE "blocked_rooms" (
    "room_id" TEXT NOT NULL CONSTRAINT "pk_blocked_rooms" PRIMARY KEY,
    "blocked_by" TEXT NOT NULL,
    "blocked_ts" INTEGER NOT NULL
);

CREATE TABLE "content_reports" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_content_reports" PRIMARY KEY AUTOINCREMENT,
    "reporter" TEXT NOT NULL,
    "room_id" TEXT NULL,
    "event_id" TEXT NULL,
    "target_user_id" TEXT NULL,
    "reason" TEXT NULL,
    "received_ts" INTEGER NOT NULL
);

CREATE TABLE "current_state" (
    "room_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "state_key" TEXT NOT NULL,
    "event_nid" INTEGER NOT NULL,
    "event_id" TEXT NOT NULL,
    CONSTRAINT "pk_current_state" PRIMARY KEY ("room_id", "type", "state_key")
);

CREATE TABLE "dehydrated_devices" (
    "user_id" TEXT NOT NULL CONSTRAINT "pk_dehydrated_devices" PRIMARY KEY,
    "device_id" TEXT NOT NULL,
    "device_data" TEXT NOT NULL
);

CREATE TABLE "device_list_changes" (
    "user_id" TEXT NOT NULL CONSTRAINT "pk_device_list_changes" PRIMARY KEY,
    "stream_position" INTEGER NOT NULL
);

CREATE TABLE "device_list_outbound_streams" (
    "user_id" TEXT NOT NULL CONSTRAINT "pk_device_list_outbound_streams" PRIMARY KEY,
    "stream_id" INTEGER NOT NULL
);

CREATE TABLE "devices" (
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "display_name" TEXT NULL,
    "last_seen_ip" TEXT NULL,
    "last_seen_ts" INTEGER NULL,
    "created_ts" INTEGER NOT NULL,
    CONSTRAINT "pk_devices" PRIMARY KEY ("user_id", "device_id")
);

CREATE TABLE "e2e_cross_signing_keys" (
    "user_id" TEXT NOT NULL,
    "key_type" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    CONSTRAINT "pk_e2e_cross_signing_keys" PRIMARY KEY ("user_id", "key_type")
);

CREATE TABLE "e2e_cross_signing_signatures" (
    "signer_user_id" TEXT NOT NULL,
    "signer_key_id" TEXT NOT NULL,
    "target_user_id" TEXT NOT NULL,
    "target_key_id" TEXT NOT NULL,
    "signature" TEXT NOT NULL,
    CONSTRAINT "pk_e2e_cross_signing_signatures" PRIMARY KEY ("target_user_id", "target_key_id", "signer_user_id", "signer_key_id")
);

CREATE TABLE "e2e_device_keys" (
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    CONSTRAINT "pk_e2e_device_keys" PRIMARY KEY ("user_id", "device_id")
);

CREATE TABLE "e2e_fallback_keys" (
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    "used" INTEGER NOT NULL,
    CONSTRAINT "pk_e2e_fallback_keys" PRIMARY KEY ("user_id", "device_id", "algorithm")
);

CREATE TABLE "e2e_one_time_keys" (
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "json" TEXT NOT NULL,
    CONSTRAINT "pk_e2e_one_time_keys" PRIMARY KEY ("user_id", "device_id", "algorithm", "key_id")
);

CREATE TABLE "e2e_room_key_versions" (
    "user_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "algorithm" TEXT NOT NULL,
    "auth_data" TEXT NOT NULL,
    "etag" INTEGER NOT NULL,
    "deleted" INTEGER NOT NULL,
    CONSTRAINT "pk_e2e_room_key_versions" PRIMARY KEY ("user_id", "version")
);

CREATE TABLE "e2e_room_keys" (
    "user_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "room_id" TEXT NOT NULL,
    "session_id" TEXT NOT NULL,
    "first_message_index" INTEGER NOT NULL,
    "forwarded_count" INTEGER NOT NULL,
    "is_verified" INTEGER NOT NULL,
    "session_data" TEXT NOT NULL,
    CONSTRAINT "pk_e2e_room_keys" PRIMARY KEY ("user_id", "version", "room_id", "session_id")
);

CREATE TABLE "event_auth_edges" (
    "event_nid" INTEGER NOT NULL,
    "auth_event_id" TEXT NOT NULL,
    CONSTRAINT "pk_event_auth_edges" PRIMARY KEY ("event_nid", "auth_event_id")
);

CREATE TABLE "event_edges" (
    "event_nid" INTEGER NOT NULL,
    "prev_event_id" TEXT NOT NULL,
    CONSTRAINT "pk_event_edges" PRIMARY KEY ("event_nid", "prev_event_id")
);

CREATE TABLE "event_push_actions" (
    "user_id" TEXT NOT NULL,
    "stream_ordering" INTEGER NOT NULL,
    "room_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "thread_id" TEXT NOT NULL,
    "highlight" INTEGER NOT NULL,
    "actions" TEXT NOT NULL,
    "ts" INTEGER NOT NULL,
    "written_at" INTEGER NOT NULL,
    CONSTRAINT "pk_event_push_actions" PRIMARY KEY ("user_id", "stream_ordering")
);

CREATE TABLE "event_relations" (
    "event_id" TEXT NOT NULL CONSTRAINT "pk_event_relations" PRIMARY KEY,
    "relates_to_id" TEXT NOT NULL,
    "rel_type" TEXT NOT NULL,
    "aggregation_key" TEXT NULL,
    "room_id" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "stream_ordering" INTEGER NOT NULL
);

CREATE TABLE "event_search" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_event_search" PRIMARY KEY AUTOINCREMENT,
    "event_id" TEXT NOT NULL,
    "room_id" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    "stream_ordering" INTEGER NOT NULL,
    "origin_server_ts" INTEGER NOT NULL
);

CREATE TABLE "event_transactions" (
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "txn_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "created_ts" INTEGER NOT NULL,
    CONSTRAINT "pk_event_transactions" PRIMARY KEY ("user_id", "device_id", "path")
);

CREATE TABLE "events" (
    "nid" INTEGER NOT NULL CONSTRAINT "pk_events" PRIMARY KEY AUTOINCREMENT,
    "event_id" TEXT NULL,
    "room_id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "state_key" TEXT NULL,
    "sender" TEXT NOT NULL,
    "origin_server_ts" INTEGER NOT NULL,
    "depth" INTEGER NOT NULL,
    "stream_ordering" INTEGER NULL,
    "json" TEXT NOT NULL,
    "outlier" INTEGER NOT NULL,
    "rejected_reason" TEXT NULL,
    "soft_failed" INTEGER NOT NULL,
    "redacts" TEXT NULL,
    "redacted_by" TEXT NULL,
    "state_group" INTEGER NULL,
    "replaces_state" TEXT NULL
);

CREATE TABLE "federation_destination" (
    "destination" TEXT NOT NULL CONSTRAINT "pk_federation_destination" PRIMARY KEY,
    "next_txn_id" INTEGER NOT NULL,
    "retry_last_ts" INTEGER NOT NULL,
    "retry_interval_ms" INTEGER NOT NULL
);

CREATE TABLE "federation_outbox" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_federation_outbox" PRIMARY KEY AUTOINCREMENT,
    "destination" TEXT NOT NULL,
    "event_id" TEXT NULL,
    "edu_type" TEXT NULL,
    "edu_content" TEXT NULL,
    "coalescing_key" TEXT NULL,
    "txn_id" TEXT NULL,
    "created_ts" INTEGER NOT NULL
);

CREATE TABLE "forward_extremities" (
    "room_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    CONSTRAINT "pk_forward_extremities" PRIMARY KEY ("room_id", "event_id")
);

CREATE TABLE "local_media" (
    "media_id" TEXT NOT NULL CONSTRAINT "pk_local_media" PRIMARY KEY,
    "uploader_user_id" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "upload_name" TEXT NULL,
    "created_ts" INTEGER NOT NULL,
    "uploaded_ts" INTEGER NULL,
    "unused_expires_ts" INTEGER NULL,
    "upload_claim" TEXT NULL,
    "size_bytes" INTEGER NOT NULL,
    "sha256" BLOB NULL,
    "authenticated" INTEGER NOT NULL,
    "quarantined_by" TEXT NULL
);

CREATE TABLE "login_token" (
    "token_hash" BLOB NOT NULL CONSTRAINT "pk_login_token" PRIMARY KEY,
    "user_id" TEXT NOT NULL,
    "expires_ts" INTEGER NOT NULL
);

CREATE TABLE "media_thumbnails" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_media_thumbnails" PRIMARY KEY AUTOINCREMENT,
    "origin" TEXT NOT NULL,
    "media_id" TEXT NOT NULL,
    "width" INTEGER NOT NULL,
    "height" INTEGER NOT NULL,
    "method" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "created_ts" INTEGER NOT NULL
);

CREATE TABLE "openid_tokens" (
    "token_hash" BLOB NOT NULL CONSTRAINT "pk_openid_tokens" PRIMARY KEY,
    "user_id" TEXT NOT NULL,
    "expires_ts" INTEGER NOT NULL
);

CREATE TABLE "presence" (
    "user_id" TEXT NOT NULL CONSTRAINT "pk_presence" PRIMARY KEY,
    "state" TEXT NOT NULL,
    "status_msg" TEXT NULL,
    "last_active_ts" INTEGER NOT NULL,
    "last_user_sync_ts" INTEGER NOT NULL
);

CREATE TABLE "private_device_list_changes" (
    "viewer_user_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "stream_position" INTEGER NOT NULL,
    CONSTRAINT "pk_private_device_list_changes" PRIMARY KEY ("viewer_user_id", "user_id")
);

CREATE TABLE "profile_field" (
    "user_id" TEXT NOT NULL,
    "key" TEXT NOT NULL,
    "value" TEXT NOT NULL,
    CONSTRAINT "pk_profile_field" PRIMARY KEY ("user_id", "key")
);

CREATE TABLE "push_rules" (
    "user_id" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "rule_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "conditions" TEXT NULL,
    "pattern" TEXT NULL,
    "actions" TEXT NULL,
    "enabled" INTEGER NULL,
    CONSTRAINT "pk_push_rules" PRIMARY KEY ("user_id", "kind", "rule_id")
);

CREATE TABLE "pushers" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_pushers" PRIMARY KEY AUTOINCREMENT,
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NULL,
    "kind" TEXT NOT NULL,
    "app_id" TEXT NOT NULL,
    "push_key" TEXT NOT NULL,
    "push_key_ts" INTEGER NOT NULL,
    "app_display_name" TEXT NOT NULL,
    "device_display_name" TEXT NOT NULL,
    "profile_tag" TEXT NULL,
    "lang" TEXT NOT NULL,
    "data" TEXT NOT NULL,
    "last_stream_ordering" INTEGER NOT NULL,
    "failing_since" INTEGER NULL
);

CREATE TABLE "receipts" (
    "room_id" TEXT NOT NULL,
    "receipt_type" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "thread_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "ts" INTEGER NOT NULL,
    "stream_position" INTEGER NOT NULL,
    CONSTRAINT "pk_receipts" PRIMARY KEY ("room_id", "receipt_type", "user_id", "thread_id")
);

CREATE TABLE "received_transaction" (
    "origin" TEXT NOT NULL,
    "txn_id" TEXT NOT NULL,
    "response_json" TEXT NOT NULL,
    "received_ts" INTEGER NOT NULL,
    CONSTRAINT "pk_received_transaction" PRIMARY KEY ("origin", "txn_id")
);

CREATE TABLE "refresh_tokens" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_refresh_tokens" PRIMARY KEY AUTOINCREMENT,
    "token_hash" BLOB NOT NULL,
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "created_ts" INTEGER NOT NULL,
    "next_token_id" INTEGER NULL
);

CREATE TABLE "registration_token" (
    "token" TEXT NOT NULL CONSTRAINT "pk_registration_token" PRIMARY KEY,
    "uses_allowed" INTEGER NULL,
    "pending" INTEGER NOT NULL,
    "completed" INTEGER NOT NULL,
    "expiry_time" INTEGER NULL
);

CREATE TABLE "remote_device_lists" (
    "user_id" TEXT NOT NULL CONSTRAINT "pk_remote_device_lists" PRIMARY KEY,
    "stream_id" INTEGER NOT NULL
);

CREATE TABLE "remote_devices" (
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "display_name" TEXT NULL,
    "keys_json" TEXT NULL,
    CONSTRAINT "pk_remote_devices" PRIMARY KEY ("user_id", "device_id")
);

CREATE TABLE "remote_media" (
    "origin" TEXT NOT NULL,
    "media_id" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "upload_name" TEXT NULL,
    "fetched_ts" INTEGER NOT NULL,
    "size_bytes" INTEGER NOT NULL,
    "sha256" BLOB NOT NULL,
    "authenticated" INTEGER NOT NULL,
    "quarantined_by" TEXT NULL,
    CONSTRAINT "pk_remote_media" PRIMARY KEY ("origin", "media_id")
);

CREATE TABLE "remote_server_keys" (
    "server_name" TEXT NOT NULL,
    "key_id" TEXT NOT NULL,
    "public_key" TEXT NOT NULL,
    "valid_until_ts" INTEGER NOT NULL,
    "is_old" INTEGER NOT NULL,
    "fetched_ts" INTEGER NOT NULL,
    "from_server" TEXT NOT NULL,
    "response_json" TEXT NOT NULL,
    "response_valid_until_ts" INTEGER NOT NULL,
    CONSTRAINT "pk_remote_server_keys" PRIMARY KEY ("server_name", "key_id")
);

CREATE TABLE "room_aliases" (
    "alias" TEXT NOT NULL CONSTRAINT "pk_room_aliases" PRIMARY KEY,
    "room_id" TEXT NOT NULL,
    "creator" TEXT NOT NULL,
    "created_ts" INTEGER NOT NULL
);

CREATE TABLE "room_memberships" (
    "room_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "membership" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "stream_ordering" INTEGER NOT NULL,
    "joined_at" INTEGER NOT NULL,
    "display_name" TEXT NULL,
    "avatar_url" TEXT NULL,
    "forgotten" INTEGER NOT NULL,
    CONSTRAINT "pk_room_memberships" PRIMARY KEY ("room_id", "user_id")
);

CREATE TABLE "room_push_actions" (
    "room_id" TEXT NOT NULL,
    "stream_ordering" INTEGER NOT NULL,
    "event_id" TEXT NOT NULL,
    "sender" TEXT NOT NULL,
    "thread_id" TEXT NOT NULL,
    "highlight" INTEGER NOT NULL,
    "actions" TEXT NOT NULL,
    "ts" INTEGER NOT NULL,
    "written_at" INTEGER NOT NULL,
    CONSTRAINT "pk_room_push_actions" PRIMARY KEY ("room_id", "stream_ordering")
);

CREATE TABLE "rooms" (
    "room_id" TEXT NOT NULL CONSTRAINT "pk_rooms" PRIMARY KEY,
    "room_version" TEXT NOT NULL,
    "creator" TEXT NULL,
    "is_public" INTEGER NOT NULL,
    "created_ts" INTEGER NOT NULL,
    "current_state_group" INTEGER NULL
);

CREATE TABLE "state_group_entries" (
    "state_group_id" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "state_key" TEXT NOT NULL,
    "event_nid" INTEGER NULL,
    CONSTRAINT "pk_state_group_entries" PRIMARY KEY ("state_group_id", "type", "state_key")
);

CREATE TABLE "state_groups" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_state_groups" PRIMARY KEY AUTOINCREMENT,
    "room_id" TEXT NOT NULL,
    "parent_id" INTEGER NULL,
    "chain_length" INTEGER NOT NULL
);

CREATE TABLE "stream_positions" (
    "stream" TEXT NOT NULL CONSTRAINT "pk_stream_positions" PRIMARY KEY,
    "position" INTEGER NOT NULL
);

CREATE TABLE "to_device_messages" (
    "id" INTEGER NOT NULL CONSTRAINT "pk_to_device_messages" PRIMARY KEY AUTOINCREMENT,
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "stream_position" INTEGER NOT NULL,
    "json" TEXT NOT NULL
);

CREATE TABLE "to_device_transactions" (
    "user_id" TEXT NOT NULL,
    "device_id" TEXT NOT NULL,
    "txn_id" TEXT NOT NULL,
    "created_ts" INTEGER NOT NULL,
    CONSTRAINT "pk_to_device_transactions" PRIMARY KEY ("user_id", "device_id", "txn_id")
);

CREATE TABLE "uia_session" (
    "session_id" TEXT NOT NULL CONSTRAINT "pk_uia_session" PRIMARY KEY,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "user_id" TEXT NULL,
    "intent_hash" BLOB NULL,
    "description" TEXT NOT NULL,
    "created_ts" INTEGER NOT NULL,
    "expires_ts" INTEGER NOT NULL,
    "data" TEXT NULL,
    "finished" INTEGER NOT NULL
);

CREATE TABLE "uia_session_stage" (
    "session_id" TEXT NOT NULL,
    "stage" TEXT NOT NULL,
    "result" TEXT NULL,
    CONSTRAINT "pk_uia_session_stage" PRIMARY KEY ("session_id", "stage")
);

CREATE TABLE "user_filter" (
    "user_id" TEXT NOT NULL,
    "filter_id" INTEGER NOT NULL,
    "json" TEXT NOT NULL,
    "json_hash" BLOB NOT NULL,
    CONSTRAINT "pk_user_filter" PRIMARY KEY ("user_id", "filter_id")
);

CREATE TABLE "user_threepid_id_servers" (
    "user_id" TEXT NOT NULL,
    "medium" TEXT NOT NULL,
    "address" TEXT NOT NULL,
    "id_server" TEXT NOT NULL,
    CONSTRAINT "pk_user_threepid_id_servers" PRIMARY KEY ("user_id", "medium", "address", "id_server")
);

CREATE TABLE "users" (
    "user_id" TEXT NOT NULL CONSTRAINT "pk_users" PRIMARY KEY,
    "localpart" TEXT NOT NULL,
    "password_hash" TEXT NULL,
    "display_name" TEXT NULL,
    "avatar_url" TEXT NULL,
    "is_admin" INTEGER NOT NULL,
    "is_guest" INTEGER NOT NULL,
    "deactivated" INTEGER NOT NULL,
    "erased" INTEGER NOT NULL,
    "locked" INTEGER NOT NULL,
    "suspended" INTEGER NOT NULL,
    "created_ts" INTEGER NOT NULL,
    "user_type" TEXT NULL,
    "app_service_id" TEXT NULL
);

CREATE UNIQUE INDEX "ix_access_tokens_token_hash" ON "access_tokens" ("token_hash");

CREATE INDEX "ix_access_tokens_user_id_device_id" ON "access_tokens" ("user_id", "device_id");

CREATE INDEX "ix_account_data_stream_position" ON "account_data" ("stream_position");

CREATE INDEX "ix_account_data_user_id_stream_position" ON "account_data" ("user_id", "stream_position");

CREATE INDEX "ix_appservice_outbox_app_service_id_id" ON "appservice_outbox" ("app_service_id", "id");

CREATE INDEX "ix_appservice_room_list_room_id" ON "appservice_room_list" ("room_id");

CREATE INDEX "ix_content_reports_received_ts" ON "content_reports" ("received_ts");

CREATE INDEX "ix_device_list_changes_stream_position" ON "device_list_changes" ("stream_position");

CREATE INDEX "ix_event_edges_prev_event_id" ON "event_edges" ("prev_event_id");

CREATE INDEX "ix_event_push_actions_user_id_room_id_stream_ordering" ON "event_push_actions" ("user_id", "room_id", "stream_ordering");

CREATE INDEX "ix_event_push_actions_user_id_written_at" ON "event_push_actions" ("user_id", "written_at");

CREATE INDEX "ix_event_relations_relates_to_id_rel_type_stream_ordering" ON "event_relations" ("relates_to_id", "rel_type", "stream_ordering");

CREATE INDEX "ix_event_relations_room_id_rel_type_stream_ordering" ON "event_relations" ("room_id", "rel_type", "stream_ordering");

CREATE UNIQUE INDEX "ix_event_search_event_id" ON "event_search" ("event_id");

CREATE INDEX "ix_event_search_room_id_stream_ordering" ON "event_search" ("room_id", "stream_ordering");

CREATE UNIQUE INDEX "ix_event_transactions_event_id" ON "event_transactions" ("event_id");

CREATE UNIQUE INDEX "ix_events_event_id" ON "events" ("event_id");

CREATE INDEX "ix_events_redacts" ON "events" ("redacts") WHERE redacts IS NOT NULL;

CREATE INDEX "ix_events_room_id_origin_server_ts" ON "events" ("room_id", "origin_server_ts");

CREATE INDEX "ix_events_room_id_type_state_key" ON "events" ("room_id", "type", "state_key") WHERE state_key IS NOT NULL;

CREATE UNIQUE INDEX "ix_events_stream_ordering" ON "events" ("stream_ordering");

CREATE INDEX "ix_events_timeline" ON "events" ("room_id", "stream_ordering") WHERE NOT outlier AND rejected_reason IS NULL AND NOT soft_failed;

CREATE INDEX "ix_federation_outbox_destination_id" ON "federation_outbox" ("destination", "id");

CREATE INDEX "ix_local_media_unused_expires_ts" ON "local_media" ("unused_expires_ts");

CREATE INDEX "ix_local_media_uploader_user_id_uploaded_ts" ON "local_media" ("uploader_user_id", "uploaded_ts");

CREATE INDEX "ix_login_token_expires_ts" ON "login_token" ("expires_ts");

CREATE UNIQUE INDEX "ix_media_thumbnails_origin_media_id_width_height_method_content_type" ON "media_thumbnails" ("origin", "media_id", "width", "height", "method", "content_type");

CREATE INDEX "ix_openid_tokens_expires_ts" ON "openid_tokens" ("expires_ts");

CREATE INDEX "ix_private_device_list_changes_stream_position" ON "private_device_list_changes" ("stream_position");

CREATE UNIQUE INDEX "ix_pushers_app_id_push_key_user_id" ON "pushers" ("app_id", "push_key", "user_id");

CREATE INDEX "ix_pushers_user_id_device_id" ON "pushers" ("user_id", "device_id");

CREATE INDEX "ix_receipts_stream_position" ON "receipts" ("stream_position");

CREATE INDEX "ix_receipts_user_id_room_id" ON "receipts" ("user_id", "room_id");

CREATE INDEX "ix_received_transaction_received_ts" ON "received_transaction" ("received_ts");

CREATE UNIQUE INDEX "ix_refresh_tokens_token_hash" ON "refresh_tokens" ("token_hash");

CREATE INDEX "ix_refresh_tokens_user_id_device_id" ON "refresh_tokens" ("user_id", "device_id");

CREATE INDEX "ix_room_aliases_room_id" ON "room_aliases" ("room_id");

CREATE INDEX "ix_room_memberships_user_id_membership" ON "room_memberships" ("user_id", "membership");

CREATE INDEX "ix_room_push_actions_room_id_written_at" ON "room_push_actions" ("room_id", "written_at");

CREATE INDEX "ix_state_groups_room_id" ON "state_groups" ("room_id");

CREATE INDEX "ix_to_device_messages_stream_position" ON "to_device_messages" ("stream_position");

CREATE INDEX "ix_to_device_messages_user_id_device_id_stream_position" ON "to_device_messages" ("user_id", "device_id", "stream_position");

CREATE INDEX "ix_to_device_transactions_created_ts" ON "to_device_transactions" ("created_ts");

CREATE INDEX "ix_uia_session_expires_ts" ON "uia_session" ("expires_ts");

CREATE INDEX "ix_user_filter_user_id_json_hash" ON "user_filter" ("user_id", "json_hash");

CREATE UNIQUE INDEX "ix_users_localpart" ON "users" ("localpart");

INSERT INTO "__EFMigrationsHistory" ("migration_id", "product_version")
VALUES ('20261206212811_Initial', '10.0.15');

CREATE VIRTUAL TABLE event_search_fts USING fts5(value, content='event_search', content_rowid='id', tokenize='porter unicode61');

CREATE TRIGGER event_search_fts_insert AFTER INSERT ON event_search BEGIN
    INSERT INTO event_search_fts(rowid, value) VALUES (new.id, new.value);
END;

CREATE TRIGGER event_search_fts_delete AFTER DELETE ON event_search BEGIN
    INSERT INTO event_search_fts(event_search_fts, rowid, value) VALUES ('delete', old.id, old.value);
END;

CREATE TRIGGER event_search_fts_update AFTER UPDATE OF value ON event_search BEGIN
    INSERT INTO event_search_fts(event_search_fts, rowid, value) VALUES ('delete', old.id, old.value);
    INSERT INTO event_search_fts(rowid, value) VALUES (new.id, new.value);
END;

INSERT INTO "__EFMigrationsHistory" ("migration_id", "product_version")
VALUES ('99990101000000_SearchIndex', '10.0.15');

CREATE VIEW user_notifications AS
SELECT user_id, room_id, event_id, stream_ordering, thread_id, highlight, actions, ts, written_at
FROM event_push_actions
WHERE actions <> '[]'
UNION ALL
SELECT m.user_id, r.room_id, r.event_id, r.stream_ordering, r.thread_id, r.highlight, r.actions, r.ts, r.written_at
FROM room_push_actions AS r
JOIN room_memberships AS m
    ON m.room_id = r.room_id AND m.membership = 'join' AND m.joined_at <= r.stream_ordering AND m.user_id <> r.sender
WHERE NOT EXISTS (
    SELECT 1 FROM event_push_actions AS own WHERE own.user_id = m.user_id AND own.stream_ordering = r.stream_ordering);

INSERT INTO "__EFMigrationsHistory" ("migration_id", "product_version")
VALUES ('99990102000000_NotificationsView', '10.0.15');

