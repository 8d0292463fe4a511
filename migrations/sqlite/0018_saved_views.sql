-- A list page's filters saved under a name: the owner's own, or shared with everyone by an
-- admin. `query` is the page address's query string, as the filter form writes it.
CREATE TABLE saved_views (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    owner_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    page        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    query       TEXT    NOT NULL,
    shared      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX saved_views_page ON saved_views (page, owner_id);

-- The view a user's list page opens with when its address has no filters.
CREATE TABLE default_views (
    user_id  BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    page     TEXT    NOT NULL,
    view_id  BIGINT  NOT NULL REFERENCES saved_views (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, page)
);
