-- A person's own choice to see clients' names next to the pseudonyms in lists (Cases, Today,
-- follow-ups, the calendar). Off by default; only a role that may see names in lists gets
-- them even when on (`Permission::ClientNamesInLists`).
ALTER TABLE staff ADD COLUMN show_client_names INTEGER NOT NULL DEFAULT 0
    CHECK (show_client_names IN (0, 1));
