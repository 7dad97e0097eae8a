-- A stand-in for `leadsd migrate`, built from shared/spec/schema.md, used ONLY when the
-- benchmark runs without the daemon (`bench/run --ceilings-only`). A run that measures
-- leadsd always creates its tables with `leadsd migrate`, never with this file.
CREATE TABLE IF NOT EXISTS users (
    id bigserial PRIMARY KEY,
    name varchar(255) NOT NULL,
    email varchar(255) NOT NULL UNIQUE,
    password varchar(255) NOT NULL,
    crm_access boolean NOT NULL DEFAULT false,
    current_team_id bigint NULL,
    created_at timestamp NULL,
    updated_at timestamp NULL
);
CREATE TABLE IF NOT EXISTS personal_access_tokens (
    id bigserial PRIMARY KEY,
    tokenable_type varchar(255) NOT NULL,
    tokenable_id bigint NOT NULL,
    name text NOT NULL,
    token varchar(64) NOT NULL UNIQUE,
    abilities text NULL,
    last_used_at timestamp NULL,
    expires_at timestamp NULL,
    created_at timestamp NULL,
    updated_at timestamp NULL
);
CREATE INDEX IF NOT EXISTS personal_access_tokens_tokenable ON personal_access_tokens (tokenable_type, tokenable_id);
CREATE TABLE IF NOT EXISTS crm_people (
    id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL,
    first_name varchar(500) NOT NULL, middle_name varchar(500) NULL, last_name varchar(500) NULL,
    created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL
);
CREATE TABLE IF NOT EXISTS crm_organizations (
    id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL,
    name varchar(1000) NULL,
    created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL
);
CREATE TABLE IF NOT EXISTS crm_labels (
    id bigserial PRIMARY KEY, external_id varchar(255) NOT NULL, team_id bigint NULL,
    name varchar(255) NOT NULL, hex varchar(255) NOT NULL, description text NULL,
    created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL
);
CREATE TABLE IF NOT EXISTS crm_labelables (
    label_id bigint NOT NULL, crm_labelable_id bigint NOT NULL, crm_labelable_type varchar(255) NOT NULL
);
CREATE TABLE IF NOT EXISTS crm_lead_statuses (
    id smallint PRIMARY KEY, external_id varchar(255) NULL, team_id bigint NULL, name varchar(255) NOT NULL,
    created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL
);
CREATE TABLE IF NOT EXISTS crm_settings (
    id bigserial PRIMARY KEY, team_id bigint NULL, name varchar(255) NOT NULL, value text NULL
);
CREATE TABLE IF NOT EXISTS crm_leads (
    id bigserial PRIMARY KEY,
    external_id varchar(255) NOT NULL,
    team_id bigint NULL,
    pipeline_id bigint NULL, pipeline_stage_id bigint NULL,
    person_id bigint NULL, organization_id bigint NULL,
    title varchar(255) NOT NULL,
    description text NULL,
    lead_id varchar(255) NULL, prefix varchar(255) NULL, number integer NULL,
    amount bigint NULL,
    currency varchar(3) NOT NULL DEFAULT 'USD',
    lead_status_id smallint NULL, lead_source_id bigint NULL,
    qualified boolean NOT NULL DEFAULT false,
    expected_close timestamp NULL, converted_at timestamp NULL,
    user_created_id bigint NULL, user_updated_id bigint NULL, user_deleted_id bigint NULL,
    user_restored_id bigint NULL, user_owner_id bigint NULL, user_assigned_id bigint NULL,
    created_at timestamp NULL, updated_at timestamp NULL, deleted_at timestamp NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS crm_leads_external_id ON crm_leads (external_id);
CREATE INDEX IF NOT EXISTS crm_leads_live_created ON crm_leads (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS crm_leads_live_owner ON crm_leads (user_owner_id) WHERE deleted_at IS NULL;
CREATE INDEX IF NOT EXISTS crm_people_external_id ON crm_people (external_id);
CREATE INDEX IF NOT EXISTS crm_organizations_external_id ON crm_organizations (external_id);
CREATE INDEX IF NOT EXISTS crm_labels_external_id ON crm_labels (external_id);
CREATE INDEX IF NOT EXISTS crm_labelables_target ON crm_labelables (crm_labelable_type, crm_labelable_id);
