// INTEGRATOR: temporary. Until the foundation's migrations (sql/001…) are merged, the lead
// tests create the tables of schema.md themselves, then apply sql/010_leadsd_lead_numbers.sql.
// Switch `LeadsTestDatabase.createSchema` to TestDatabase's migration runner once it exists.
enum LeadsTestSchema {
    static let tables = #"""
    CREATE TABLE users (
        id bigserial PRIMARY KEY, name varchar(255) NOT NULL, email varchar(255) NOT NULL UNIQUE,
        password varchar(255) NOT NULL DEFAULT '', crm_access boolean NOT NULL DEFAULT false,
        current_team_id bigint NULL, created_at timestamp NULL, updated_at timestamp NULL);
    CREATE TABLE personal_access_tokens (
        id bigserial PRIMARY KEY, tokenable_type varchar(255) NOT NULL, tokenable_id bigint NOT NULL,
        name text NOT NULL, token varchar(64) NOT NULL UNIQUE, abilities text NULL,
        last_used_at timestamp NULL, expires_at timestamp NULL, created_at timestamp NULL, updated_at timestamp NULL);
    CREATE TABLE crm_leads (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL,
        pipeline_id bigint NULL, pipeline_stage_id bigint NULL, person_id bigint NULL, organization_id bigint NULL,
        title varchar(255) NOT NULL, description text NULL, lead_id varchar(255) NULL, prefix varchar(255) NULL,
        number integer NULL, amount integer NULL, currency varchar(3) NOT NULL DEFAULT 'USD',
        lead_status_id smallint NULL, lead_source_id bigint NULL, qualified boolean NOT NULL DEFAULT false,
        expected_close timestamp NULL, converted_at timestamp NULL,
        user_created_id bigint NULL, user_updated_id bigint NULL, user_deleted_id bigint NULL,
        user_restored_id bigint NULL, user_owner_id bigint NULL, user_assigned_id bigint NULL,
        created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL);
    CREATE TABLE crm_people (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL,
        first_name varchar(500) NOT NULL, middle_name varchar(500) NULL, last_name varchar(500) NULL,
        created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL);
    CREATE TABLE crm_organizations (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(1000) NULL,
        created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL);
    CREATE TABLE crm_labels (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(255) NOT NULL,
        hex varchar(255) NOT NULL DEFAULT '000000', description text NULL,
        created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL);
    CREATE TABLE crm_labelables (label_id bigint NOT NULL, crm_labelable_id bigint NOT NULL, crm_labelable_type varchar(255) NOT NULL);
    CREATE TABLE crm_lead_sources (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(255) NULL,
        created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL);
    CREATE TABLE crm_pipelines (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(255) NULL,
        created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL);
    CREATE TABLE crm_pipeline_stages (
        id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(255) NULL,
        pipeline_id bigint NOT NULL, created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL);
    CREATE TABLE crm_lead_statuses (
        id smallserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL, name varchar(255) NULL,
        created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL);
    CREATE TABLE crm_settings (
        id bigserial PRIMARY KEY, team_id bigint NULL, name varchar(255) NOT NULL, value text NULL,
        created_at timestamp NULL, updated_at timestamp NULL);
    """#
}
