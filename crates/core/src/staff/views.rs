//! Saved views: a list page's filters kept under a name, a staff member's own or (saved by
//! an admin) shared with everyone, and each user's default view per page.
//!
//! Invariant: a user sees, uses and defaults to only their own views and shared ones; only
//! the owner, or an admin for a shared view, deletes one. Every change is audited in its
//! transaction.

use crate::{
    staff::audit::AuditEntry,
    store::{Store, StoreError, on_pool, on_tx},
};

/// A saved view as its page lists it for one user.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SavedView {
    pub id: i64,
    pub owner_id: i64,
    /// The owner's username.
    pub owner: String,
    pub page: String,
    pub name: String,
    /// The page address's query string (`group=pending&gateway=PAYU`).
    pub query: String,
    pub shared: bool,
    /// The user's default for this page.
    pub is_default: bool,
}

/// What a saved view is made of.
pub struct NewView<'a> {
    pub owner_id: i64,
    pub page: &'a str,
    pub name: &'a str,
    pub query: &'a str,
    pub shared: bool,
}

impl Store {
    /// Saves a view and returns its id.
    pub async fn save_view(
        &self,
        view: &NewView<'_>,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        let mut tx = self.begin().await?;
        let id: i64 = on_tx!(&mut tx, t => sqlx::query_scalar(
            "INSERT INTO saved_views (owner_id, page, name, query, shared, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(view.owner_id).bind(view.page).bind(view.name).bind(view.query)
            .bind(view.shared).bind(crate::clock::now_millis())
            .fetch_one(&mut **t).await)?;
        tx.audit(audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The views of `page` that `user_id` may use (their own and shared ones), by name.
    pub async fn list_views(&self, user_id: i64, page: &str) -> Result<Vec<SavedView>, StoreError> {
        let rows = on_pool!(self, p => sqlx::query_as::<_, SavedView>(
            "SELECT v.id, v.owner_id, u.username AS owner, v.page, v.name, v.query, v.shared, \
             (d.view_id IS NOT NULL) AS is_default \
             FROM saved_views v JOIN users u ON u.id = v.owner_id \
             LEFT JOIN default_views d ON d.view_id = v.id AND d.user_id = $1 AND d.page = v.page \
             WHERE v.page = $2 AND (v.owner_id = $1 OR v.shared) ORDER BY v.name, v.id")
            .bind(user_id).bind(page).fetch_all(p).await)?;
        Ok(rows)
    }

    /// The query string of `user_id`'s default view of `page`, if they set one they may
    /// still use.
    pub async fn default_view_query(
        &self,
        user_id: i64,
        page: &str,
    ) -> Result<Option<String>, StoreError> {
        let query = on_pool!(self, p => sqlx::query_scalar(
            "SELECT v.query FROM default_views d JOIN saved_views v ON v.id = d.view_id \
             WHERE d.user_id = $1 AND d.page = $2 AND (v.owner_id = $1 OR v.shared)")
            .bind(user_id).bind(page).fetch_optional(p).await)?;
        Ok(query)
    }

    /// Makes view `view_id` (one the user may use) `user_id`'s default for its page, or
    /// with `None` clears the default of `page`.
    pub async fn set_default_view(
        &self,
        user_id: i64,
        page: &str,
        view_id: Option<i64>,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, t => sqlx::query("DELETE FROM default_views WHERE user_id = $1 AND page = $2")
            .bind(user_id).bind(page).execute(&mut **t).await.map(|done| done.rows_affected()))?;
        if let Some(view_id) = view_id {
            let set = on_tx!(&mut tx, t => sqlx::query(
                "INSERT INTO default_views (user_id, page, view_id) SELECT $1, page, id \
                 FROM saved_views WHERE id = $2 AND page = $3 AND (owner_id = $1 OR shared)")
                .bind(user_id).bind(view_id).bind(page).execute(&mut **t).await.map(|done| done.rows_affected()))?;
            if set == 0 {
                return Err(StoreError::NotFound("saved view"));
            }
        }
        tx.audit(audit).await?;
        tx.commit().await
    }

    /// Deletes a view: the owner's, or any shared one when `admin`.
    pub async fn delete_view(
        &self,
        view_id: i64,
        user_id: i64,
        admin: bool,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        // Defaults naming it go first: not every SQLite connection enforces the cascade.
        on_tx!(&mut tx, t => sqlx::query("DELETE FROM default_views WHERE view_id = $1")
            .bind(view_id).execute(&mut **t).await.map(|done| done.rows_affected()))?;
        let deleted = on_tx!(&mut tx, t => sqlx::query(
            "DELETE FROM saved_views WHERE id = $1 AND (owner_id = $2 OR (shared AND $3))")
            .bind(view_id).bind(user_id).bind(admin).execute(&mut **t).await.map(|done| done.rows_affected()))?;
        if deleted == 0 {
            return Err(StoreError::NotFound("saved view"));
        }
        tx.audit(audit).await?;
        tx.commit().await
    }
}

#[cfg(test)]
mod tests {
    use dashboard_status::Role;

    use super::*;

    fn audit(action: &str) -> AuditEntry {
        crate::testing::audit_entry(action, "view")
    }

    crate::test_on_both_backends! {
        async fn views_are_private_unless_shared_and_defaults_follow_what_a_user_may_use(db) {
            let store = db.store();
            let ana = store.insert_user("ana", "h", Role::Admin, &audit("user.create")).await.unwrap();
            let bob = store.insert_user("bob", "h", Role::Viewer, &audit("user.create")).await.unwrap();
            let new = |owner_id, name, query, shared| NewView { owner_id, page: "orders", name, query, shared };
            let mine = store.save_view(&new(bob.id, "Mine", "group=pending", false), &audit("view.save")).await.unwrap();
            let shared = store.save_view(&new(ana.id, "Team", "gateway=PAYU", true), &audit("view.save")).await.unwrap();
            store.save_view(&new(ana.id, "Ana only", "q=x", false), &audit("view.save")).await.unwrap();

            let names = |views: Vec<SavedView>| views.into_iter().map(|v| v.name).collect::<Vec<_>>();
            assert_eq!(names(store.list_views(bob.id, "orders").await.unwrap()), ["Mine", "Team"]);
            assert_eq!(names(store.list_views(ana.id, "orders").await.unwrap()), ["Ana only", "Team"]);
            assert!(store.list_views(bob.id, "refunds").await.unwrap().is_empty());

            store.set_default_view(bob.id, "orders", Some(shared), &audit("view.default")).await.unwrap();
            assert_eq!(store.default_view_query(bob.id, "orders").await.unwrap().as_deref(), Some("gateway=PAYU"));
            let listed = store.list_views(bob.id, "orders").await.unwrap();
            assert!(listed.iter().any(|v| v.name == "Team" && v.is_default));
            assert_eq!(store.default_view_query(ana.id, "orders").await.unwrap(), None, "defaults are per user");
            let err = store.set_default_view(ana.id, "orders", Some(mine), &audit("view.default")).await.unwrap_err();
            assert!(matches!(err, StoreError::NotFound(_)), "another user's private view");

            let err = store.delete_view(shared, bob.id, false, &audit("view.delete")).await.unwrap_err();
            assert!(matches!(err, StoreError::NotFound(_)), "only its owner or an admin deletes a shared view");
            store.delete_view(shared, ana.id, true, &audit("view.delete")).await.unwrap();
            assert_eq!(store.default_view_query(bob.id, "orders").await.unwrap(), None, "a deleted default goes");
            store.set_default_view(bob.id, "orders", Some(mine), &audit("view.default")).await.unwrap();
            store.set_default_view(bob.id, "orders", None, &audit("view.default")).await.unwrap();
            assert_eq!(store.default_view_query(bob.id, "orders").await.unwrap(), None);
            // Users, saves, defaults set, the delete, two more defaults; refusals write none.
            assert_eq!(store.list_audit(20).await.unwrap().len(), 2 + 3 + 1 + 1 + 2);
        }
    }
}
