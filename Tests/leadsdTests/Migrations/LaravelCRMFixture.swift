/// A database as Laravel (users, Sanctum) and Laravel CRM create it, written from schema.md
/// with Laravel's column types and index names, plus columns leadsd does not know about and
/// rows that a migration must leave exactly as they are.
///
/// Deliberate differences from leadsd's fresh schema: `crm_leads.amount` is `integer`, the
/// token `name` is `varchar(255)` (older Sanctum), `users` has no `current_team_id` (no
/// Jetstream), and Laravel's timestamps have no precision limit set.
enum LaravelCRMFixture {
    static let tables = [
        "users", "personal_access_tokens", "crm_people", "crm_organizations", "crm_labels", "crm_labelables",
        "crm_lead_sources", "crm_pipelines", "crm_pipeline_stages", "crm_lead_statuses", "crm_settings", "crm_leads",
    ]

    static let sql = #"""
    CREATE TABLE users (
        id bigserial PRIMARY KEY,
        name varchar(255) NOT NULL,
        email varchar(255) NOT NULL,
        email_verified_at timestamp(0) without time zone NULL,
        password varchar(255) NOT NULL,
        remember_token varchar(100) NULL,
        created_at timestamp(0) without time zone NULL,
        updated_at timestamp(0) without time zone NULL,
        crm_access boolean NOT NULL DEFAULT false
    );
    ALTER TABLE users ADD CONSTRAINT users_email_unique UNIQUE (email);

    CREATE TABLE personal_access_tokens (
        id bigserial PRIMARY KEY,
        tokenable_type varchar(255) NOT NULL,
        tokenable_id bigint NOT NULL,
        name varchar(255) NOT NULL,
        token varchar(64) NOT NULL,
        abilities text NULL,
        last_used_at timestamp(0) without time zone NULL,
        expires_at timestamp(0) without time zone NULL,
        created_at timestamp(0) without time zone NULL,
        updated_at timestamp(0) without time zone NULL
    );
    CREATE INDEX personal_access_tokens_tokenable_type_tokenable_id_index ON personal_access_tokens (tokenable_type, tokenable_id);
    ALTER TABLE personal_access_tokens ADD CONSTRAINT personal_access_tokens_token_unique UNIQUE (token);

    CREATE TABLE crm_people (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL,
        title varchar(255) NULL, first_name varchar(500) NOT NULL, middle_name varchar(500) NULL,
        last_name varchar(500) NULL, maiden_name varchar(255) NULL, birthday date NULL, gender varchar(255) NULL,
        description text NULL, user_owner_id bigint NULL,
        created_at timestamp(0) without time zone NULL, updated_at timestamp(0) without time zone NULL,
        deleted_at timestamp(0) without time zone NULL
    );
    CREATE TABLE crm_organizations (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL,
        name varchar(1000) NULL, description text NULL, organization_type_id bigint NULL,
        created_at timestamp(0) without time zone NULL, updated_at timestamp(0) without time zone NULL,
        deleted_at timestamp(0) without time zone NULL
    );
    CREATE TABLE crm_labels (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL,
        name varchar(255) NOT NULL, hex varchar(255) NOT NULL, description text NULL,
        created_at timestamp(0) without time zone NULL, updated_at timestamp(0) without time zone NULL,
        deleted_at timestamp(0) without time zone NULL
    );
    CREATE TABLE crm_labelables (
        label_id bigint NOT NULL,
        crm_labelable_type varchar(255) NOT NULL,
        crm_labelable_id bigint NOT NULL
    );
    CREATE INDEX crm_labelables_crm_labelable_type_crm_labelable_id_index ON crm_labelables (crm_labelable_type, crm_labelable_id);
    CREATE TABLE crm_lead_sources (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(255) NOT NULL,
        description text NULL,
        created_at timestamp(0) without time zone NULL, updated_at timestamp(0) without time zone NULL,
        deleted_at timestamp(0) without time zone NULL
    );
    CREATE TABLE crm_pipelines (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(255) NOT NULL,
        model varchar(255) NULL,
        created_at timestamp(0) without time zone NULL, updated_at timestamp(0) without time zone NULL,
        deleted_at timestamp(0) without time zone NULL
    );
    CREATE TABLE crm_pipeline_stages (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(255) NOT NULL,
        description text NULL, pipeline_id bigint NOT NULL, pipeline_stage_probability_id bigint NULL,
        created_at timestamp(0) without time zone NULL, updated_at timestamp(0) without time zone NULL,
        deleted_at timestamp(0) without time zone NULL
    );
    CREATE TABLE crm_lead_statuses (
        id smallserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(255) NOT NULL,
        description text NULL,
        created_at timestamp(0) without time zone NULL, updated_at timestamp(0) without time zone NULL,
        deleted_at timestamp(0) without time zone NULL
    );
    CREATE TABLE crm_settings (
        id bigserial PRIMARY KEY, team_id bigint NULL, global boolean NOT NULL DEFAULT false,
        name varchar(255) NOT NULL, value text NULL, label varchar(255) NULL,
        created_at timestamp(0) without time zone NULL, updated_at timestamp(0) without time zone NULL
    );
    CREATE TABLE crm_leads (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL,
        pipeline_id bigint NULL, pipeline_stage_id bigint NULL,
        person_id bigint NULL, organization_id bigint NULL,
        title varchar(255) NOT NULL, description text NULL,
        lead_id varchar(255) NULL, prefix varchar(255) NULL, number integer NULL,
        amount integer NULL, currency varchar(3) NOT NULL DEFAULT 'USD',
        lead_status_id smallint NULL, lead_source_id bigint NULL,
        qualified boolean NOT NULL DEFAULT false,
        expected_close timestamp(0) without time zone NULL, converted_at timestamp(0) without time zone NULL,
        user_created_id bigint NULL, user_updated_id bigint NULL, user_deleted_id bigint NULL,
        user_restored_id bigint NULL, user_owner_id bigint NULL, user_assigned_id bigint NULL,
        client_id bigint NULL,
        created_at timestamp(0) without time zone NULL, updated_at timestamp(0) without time zone NULL,
        deleted_at timestamp(0) without time zone NULL
    );
    CREATE INDEX crm_leads_team_id_index ON crm_leads (team_id);

    INSERT INTO users (name, email, password, crm_access, created_at, updated_at) VALUES
        ('Jane Doe', 'jane@example.com', '$2y$12$abcdefghijklmnopqrstuuJ0dWdrQH8G3UIfdC5YJr0b3CXLd6v9C', true, '2026-01-01 10:00:00', '2026-01-01 10:00:00'),
        ('Rob Roe', 'rob@example.com', '$2y$12$abcdefghijklmnopqrstuuJ0dWdrQH8G3UIfdC5YJr0b3CXLd6v9C', false, '2026-01-02 10:00:00', NULL);
    INSERT INTO personal_access_tokens (tokenable_type, tokenable_id, name, token, abilities, created_at, updated_at) VALUES
        ('App\Models\User', 1, 'laptop', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', '["*"]', '2026-01-03 09:00:00', '2026-01-03 09:00:00');
    INSERT INTO crm_people (external_id, first_name, last_name, gender) VALUES
        ('0b9a6f64-4a3e-4f0e-9d55-3f2d1c5b7a10', 'John', 'Smith', 'male');
    INSERT INTO crm_organizations (external_id, name) VALUES ('5d1f3a20-8c2b-4c6e-a1f4-9e8d7c6b5a40', 'Acme Co');
    INSERT INTO crm_labels (external_id, name, hex) VALUES
        ('7c2e4b10-1d3f-4a5b-8c6d-0e9f8a7b6c51', 'Hot', 'ff0000'), ('7c2e4b10-1d3f-4a5b-8c6d-0e9f8a7b6c52', 'Cold', '0000ff');
    INSERT INTO crm_lead_sources (external_id, name) VALUES ('9a8b7c6d-5e4f-4a3b-9c2d-1e0f9a8b7c61', 'Website');
    INSERT INTO crm_pipelines (external_id, name, model) VALUES ('1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c71', 'Sales', 'Lead');
    INSERT INTO crm_pipeline_stages (external_id, name, pipeline_id) VALUES ('2b3c4d5e-6f7a-4b9c-8d1e-2f3a4b5c6d81', 'New', 1);
    INSERT INTO crm_lead_statuses (external_id, name) VALUES
        ('3c4d5e6f-7a8b-4c0d-9e2f-3a4b5c6d7e91', 'Lead'), ('3c4d5e6f-7a8b-4c0d-9e2f-3a4b5c6d7e92', 'Qualified');
    INSERT INTO crm_settings (name, value, global) VALUES ('lead_prefix', 'LD-', true);
    INSERT INTO crm_leads (external_id, person_id, organization_id, title, lead_id, prefix, number, amount, currency,
                           lead_status_id, lead_source_id, user_created_id, user_owner_id, client_id,
                           expected_close, created_at, updated_at, deleted_at) VALUES
        ('8c1b7a8e-2f0e-4c52-9a57-1f9d5c0e3b21', 1, 1, 'Acme renewal', 'LD-1001', 'LD-', 1001, 1250000, 'USD',
         1, 1, 1, 1, 7, '2026-09-30 00:00:00', '2026-05-01 12:00:00', '2026-05-01 12:00:00', NULL),
        ('8c1b7a8e-2f0e-4c52-9a57-1f9d5c0e3b22', NULL, NULL, 'Ünïcode title ✓', 'LD-1002', 'LD-', 1002, NULL, 'EUR',
         2, NULL, 1, NULL, NULL, NULL, '2026-05-02 12:00:00', '2026-05-03 12:00:00', NULL),
        ('8c1b7a8e-2f0e-4c52-9a57-1f9d5c0e3b23', NULL, NULL, 'Gone', 'LD-1003', 'LD-', 1003, 100, 'USD',
         1, NULL, 2, 2, NULL, NULL, '2026-05-04 12:00:00', '2026-05-04 12:00:00', '2026-05-05 12:00:00');
    INSERT INTO crm_labelables (label_id, crm_labelable_type, crm_labelable_id) VALUES
        (1, 'VentureDrake\LaravelCrm\Models\Lead', 1), (2, 'VentureDrake\LaravelCrm\Models\Lead', 1),
        (1, 'VentureDrake\LaravelCrm\Models\Person', 1);
    """#
}
