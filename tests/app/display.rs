//! How pages show times to the person reading them: their zone, named, with UTC on hover.

use crate::{app_test, helpers::TestApp};

async fn sessions_page(app: &TestApp) -> String {
    let page = app.get("/account/sessions").await;
    assert_eq!(page.status().as_u16(), 200);
    page.text().await.unwrap()
}

/// The text of every `<time>` element of `page`, without the renderer's markers.
fn shown_times(page: &str) -> Vec<String> {
    page.split("<time ")
        .skip(1)
        .filter_map(|element| {
            let text = &element[element.find('>')? + 1..element.find("</time>")?];
            Some(text.replace("<!>", ""))
        })
        .collect()
}

app_test!(
    times_show_in_the_default_zone_until_a_user_picks_their_own_with_utc_on_hover,
    |app| {
        app.login_as_admin().await;
        let page = sessions_page(app).await;
        let shown = shown_times(&page);
        assert!(
            !shown.is_empty() && shown.iter().all(|t| t.ends_with(" IST")),
            "the default zone, Asia/Kolkata, named: {shown:?}"
        );
        assert!(page.contains(" UTC\">"), "UTC in the title");
        assert!(page.contains("just now"), "how long ago");

        let bad = app
            .call("set_time_zone", &[("timezone", "Mars/Olympus")])
            .await;
        assert_eq!(bad.status().as_u16(), 422);
        assert!(bad.text().await.unwrap().contains("is not a time zone"));

        let set = app
            .call("set_time_zone", &[("timezone", "europe/london")])
            .await;
        assert_eq!(set.status().as_u16(), 200);
        assert!(set.text().await.unwrap().contains("Europe/London"));
        let page = sessions_page(app).await;
        let shown = shown_times(&page);
        assert!(
            !shown.is_empty()
                && shown
                    .iter()
                    .all(|t| t.ends_with(" GMT") || t.ends_with(" BST")),
            "London time named: {shown:?}"
        );
        assert!(page.contains("value=\"Europe/London\""), "the choice kept");

        app.call("set_time_zone", &[("timezone", "")]).await;
        let shown = shown_times(&sessions_page(app).await);
        assert!(shown.iter().all(|t| t.ends_with(" IST")), "{shown:?}");
        let audit = app
            .get("/audit?action=account.timezone")
            .await
            .text()
            .await
            .unwrap();
        assert!(
            audit.contains("Europe/London") && audit.contains(">default<"),
            "both changes audited"
        );
    }
);

app_test!(
    a_date_filter_reads_days_in_the_readers_zone_on_the_list_and_its_export,
    |app| {
        // 20:00 UTC on 23 November is 01:30 on the 24th in India, still the 23rd in London.
        let at = dashboard_core::clock::parse_utc_date("2026-11-23").unwrap() + 20 * 3_600_000;
        crate::orders::seed(
            app,
            vec![crate::orders::row("ord_late", at, "CHARGED", 100)],
        )
        .await;
        app.login_as_admin().await;
        let listed = |from: &'static str, to: &'static str| async move {
            let page = app
                .get(&format!("/orders?from={from}&to={to}"))
                .await
                .text()
                .await
                .unwrap();
            let csv = app
                .get(&format!("/orders/export.csv?from={from}&to={to}"))
                .await
                .text()
                .await
                .unwrap();
            assert_eq!(
                page.contains("ord_late"),
                csv.contains("ord_late"),
                "list and export agree"
            );
            page.contains("ord_late")
        };
        assert!(
            listed("2026-11-24", "2026-11-24").await,
            "the 24th in India"
        );
        assert!(!listed("2026-11-23", "2026-11-23").await);
        app.call("set_time_zone", &[("timezone", "Europe/London")])
            .await;
        assert!(
            listed("2026-11-23", "2026-11-23").await,
            "the 23rd in London"
        );
        assert!(!listed("2026-11-24", "2026-11-24").await);
    }
);
