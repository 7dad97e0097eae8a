-- Laravel CRM's tables that a lead points at, as Laravel CRM creates them (the columns
-- leadsd uses; an existing install keeps all of its other columns untouched).

CREATE TABLE IF NOT EXISTS crm_people (
    id bigserial PRIMARY KEY,
    external_id varchar(255) NOT NULL,
    team_id bigint NULL,
    title varchar(255) NULL,
    first_name varchar(500) NOT NULL,
    middle_name varchar(500) NULL,
    last_name varchar(500) NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL,
    deleted_at timestamp(0) without time zone NULL
);

CREATE TABLE IF NOT EXISTS crm_organizations (
    id bigserial PRIMARY KEY,
    external_id varchar(255) NOT NULL,
    team_id bigint NULL,
    name varchar(1000) NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL,
    deleted_at timestamp(0) without time zone NULL
);

CREATE TABLE IF NOT EXISTS crm_labels (
    id bigserial PRIMARY KEY,
    external_id varchar(255) NOT NULL,
    team_id bigint NULL,
    name varchar(255) NOT NULL,
    hex varchar(255) NOT NULL,
    description text NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL,
    deleted_at timestamp(0) without time zone NULL
);

-- The polymorphic pivot: no key and no timestamps upstream.
CREATE TABLE IF NOT EXISTS crm_labelables (
    label_id bigint NOT NULL,
    crm_labelable_type varchar(255) NOT NULL,
    crm_labelable_id bigint NOT NULL
);

CREATE TABLE IF NOT EXISTS crm_lead_sources (
    id bigserial PRIMARY KEY,
    external_id varchar(255) NOT NULL,
    team_id bigint NULL,
    name varchar(255) NOT NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL,
    deleted_at timestamp(0) without time zone NULL
);

CREATE TABLE IF NOT EXISTS crm_pipelines (
    id bigserial PRIMARY KEY,
    external_id varchar(255) NOT NULL,
    team_id bigint NULL,
    name varchar(255) NOT NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL,
    deleted_at timestamp(0) without time zone NULL
);

CREATE TABLE IF NOT EXISTS crm_pipeline_stages (
    id bigserial PRIMARY KEY,
    external_id varchar(255) NOT NULL,
    team_id bigint NULL,
    pipeline_id bigint NOT NULL,
    name varchar(255) NOT NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL,
    deleted_at timestamp(0) without time zone NULL
);

CREATE TABLE IF NOT EXISTS crm_lead_statuses (
    id smallserial PRIMARY KEY,
    external_id varchar(255) NOT NULL,
    team_id bigint NULL,
    name varchar(255) NOT NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL,
    deleted_at timestamp(0) without time zone NULL
);

CREATE TABLE IF NOT EXISTS crm_settings (
    id bigserial PRIMARY KEY,
    team_id bigint NULL,
    name varchar(255) NOT NULL,
    value text NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL
);
