-- The host application's users (Laravel's default table, plus Laravel CRM's crm_access).
-- On an existing install this only adds the columns leadsd reads, when they are missing.
CREATE TABLE IF NOT EXISTS users (
    id bigserial PRIMARY KEY,
    name varchar(255) NOT NULL,
    email varchar(255) NOT NULL,
    email_verified_at timestamp(0) without time zone NULL,
    password varchar(255) NOT NULL,
    remember_token varchar(100) NULL,
    crm_access boolean NOT NULL DEFAULT false,
    current_team_id bigint NULL,
    created_at timestamp(0) without time zone NULL,
    updated_at timestamp(0) without time zone NULL,
    CONSTRAINT users_email_unique UNIQUE (email)
);

ALTER TABLE users ADD COLUMN IF NOT EXISTS crm_access boolean NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN IF NOT EXISTS current_team_id bigint NULL;
