//! Mandate lifecycle events Juspay sends on its own: new limits (`MANDATE_UPDATED`) and the
//! end (`MANDATE_EXPIRED`), applied through the one path; an active mandate ending within
//! seven days alerts until it is renewed or over.

use dashboard_status::MandateStatus;
use serde_json::{Value, json};

use crate::{
    app_test,
    helpers::{TestApp, deliver_processed, eventually},
};

const SETTINGS: &str =
    "[webhook]\npassword = \"hook password for tests\"\n[alerts]\ninterval_seconds = 1\n";

async fn deliver(app: &TestApp, id: &str, name: &str, mandate: Value) {
    let body = json!({"id": id, "event_name": name, "date_created": "2026-12-01T10:00:00Z",
        "content": {"mandate": mandate}});
    deliver_processed(app, &body.to_string()).await;
}

async fn expiry_alert_open(app: &TestApp) -> bool {
    app.db
        .store()
        .open_alerts()
        .await
        .unwrap()
        .iter()
        .any(|a| a.alert_key == "mandates_expiring")
}

app_test!(
    a_mandate_ending_within_a_week_alerts_takes_new_limits_and_expires,
    SETTINGS,
    |app| {
        let ends = dashboard_core::clock::now_millis() / 1000 + 3 * 24 * 3600;
        let mandate = json!({"mandate_id": "m_end", "status": "ACTIVE", "max_amount": "500.00",
            "currency": "INR", "end_date": ends.to_string(), "frequency": "MONTHLY"});
        deliver(app, "evt_m1", "MANDATE_ACTIVATED", mandate).await;
        eventually("the mandate's end alerts a week ahead", || {
            expiry_alert_open(app)
        })
        .await;

        deliver(
            app,
            "evt_m2",
            "MANDATE_UPDATED",
            json!({"mandate_id": "m_end", "status": "ACTIVE", "max_amount": "900.00"}),
        )
        .await;
        let store = app.db.store();
        let row = store.find_mandate("m_end").await.unwrap().unwrap();
        assert_eq!(row.max_amount, Some(90_000), "the new limit, in paise");
        assert_eq!(
            row.end_date,
            Some(ends * 1000),
            "what the update did not name is kept"
        );

        deliver(
            app,
            "evt_m3",
            "MANDATE_EXPIRED",
            json!({"mandate_id": "m_end", "status": "EXPIRED"}),
        )
        .await;
        let row = store.find_mandate("m_end").await.unwrap().unwrap();
        assert_eq!(row.status, MandateStatus::Expired);
        eventually("an ended mandate no longer alerts", || async {
            !expiry_alert_open(app).await
        })
        .await;
    }
);
