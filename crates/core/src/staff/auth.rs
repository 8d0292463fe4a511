//! Staff authentication: roles, validated usernames and passwords, argon2id hashing on a
//! blocking thread, and login with throttling. Invariants: an unknown user costs the same
//! hash verification as a known one, every failure looks the same to the caller
//! ("invalid credentials"), and throttling counts failures in the database so that it holds
//! across instances.

use std::sync::{Arc, OnceLock};

use argon2::{
    Argon2, PasswordHash, PasswordHasher, PasswordVerifier,
    password_hash::{SaltString, rand_core::OsRng},
};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tokio::sync::Semaphore;

use crate::{
    clock::now_millis,
    staff::users::User,
    store::{Store, StoreError},
};

pub use dashboard_status::Role;

/// Throttling of sign-ins (`[login]` in the configuration).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginConfig {
    /// Failed sign-ins into one account from one client address per window; that pair is
    /// then refused until the window ends. Other addresses are not affected, so nobody can
    /// lock the owner out from elsewhere.
    pub max_failures_per_account: i64,
    /// Failed sign-ins from one client address, into any account, per window.
    pub max_failures_per_ip: i64,
    pub window_minutes: i64,
    /// Failures into one account (from anywhere) after which an address that has itself
    /// failed on it must wait before its next try: 1 s, doubling with each failure, at most
    /// the window. An address with no failures on the account never waits.
    pub account_delay_after: i64,
    /// Password verifications at once (each takes about 19 MiB); more are answered 429.
    pub max_concurrent_verifications: usize,
}

/// Why a username or password was refused; safe to show.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("must be 3–64 characters of a–z, 0–9, '.', '_' or '-'")]
    BadUsername,
    #[error("must be at least 12 characters")]
    PasswordTooShort,
    #[error("must be at most 128 characters")]
    PasswordTooLong,
    #[error("is too easy to guess (a common password, or close to your username); add words")]
    PasswordGuessable,
}

/// A username in canonical (lower-case) form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let name = raw.trim().to_ascii_lowercase();
        let ok_len = (3..=64).contains(&name.len());
        let ok_chars = name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if ok_len && ok_chars {
            Ok(Self(name))
        } else {
            Err(CredentialError::BadUsername)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy (length only, as NIST SP 800-63B advises).
#[derive(Debug, Clone)]
pub struct Password(SecretString);

impl Password {
    pub fn parse(raw: SecretString) -> Result<Self, CredentialError> {
        let len = raw.expose_secret().chars().count();
        if len < 12 {
            Err(CredentialError::PasswordTooShort)
        } else if len > 128 {
            Err(CredentialError::PasswordTooLong)
        } else {
            Ok(Self(raw))
        }
    }

    /// A random password of 20 letters and digits (≈119 bits).
    pub fn generate() -> Self {
        use rand::{Rng, distributions::Alphanumeric};
        let raw: String = rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(20)
            .map(char::from)
            .collect();
        Self(SecretString::from(raw))
    }

    pub fn secret(&self) -> &SecretString {
        &self.0
    }

    /// Refuses a password that common-password lists or the username make easy to guess
    /// (zxcvbn's score below 3 of 4: fewer than about 10^10 guesses), as ASVS 6.2 asks
    /// of a new password a user chooses.
    pub fn refuse_guessable(&self, username: &str) -> Result<(), CredentialError> {
        let inputs = [username, "merchant", "dashboard", "juspay"];
        let score = zxcvbn::zxcvbn(self.0.expose_secret(), &inputs).score();
        if score >= zxcvbn::Score::Three {
            Ok(())
        } else {
            Err(CredentialError::PasswordGuessable)
        }
    }
}

/// A failure of the auth layer.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Unknown user, wrong password or disabled account: deliberately indistinguishable.
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("too many failed attempts; try again in {retry_after_secs} s")]
    Throttled { retry_after_secs: i64 },
    /// The second-factor code is wrong, already used, or there is no second factor.
    #[error("invalid second-factor code")]
    InvalidCode,
    /// Every password verification slot is taken; nothing was counted against anyone.
    #[error("too many sign-ins at once; try again in {retry_after_secs} s")]
    Busy { retry_after_secs: i64 },
    #[error("password hashing failed")]
    Hashing,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Hashes a password with argon2id (crate defaults: 19 MiB, t=2, p=1) off the async runtime.
pub async fn hash_password(password: &Password) -> Result<String, AuthError> {
    let secret = password.secret().clone();
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(secret.expose_secret().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|_| AuthError::Hashing)
    })
    .await
    .map_err(|_| AuthError::Hashing)?
}

/// Verifies `password` against `hash` off the async runtime; `None` verifies against a
/// dummy hash so that unknown users take as long as known ones.
async fn verify_password(password: SecretString, hash: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let hash = hash.unwrap_or_else(|| dummy_hash().to_owned());
        PasswordHash::new(&hash).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.expose_secret().as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(b"dummy password never used", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

/// Logs staff in, throttled so that guessing is slow and nobody can lock the owner out:
///
/// * per account **and** client address: `max_failures_per_account` failures per window,
///   then that address is refused for that account until the window ends;
/// * per client address: `max_failures_per_ip` failures into any accounts per window;
/// * per account, a progressive delay for addresses that have failed on it themselves
///   once the account has `account_delay_after` failures from anywhere;
/// * at most `max_concurrent_verifications` argon2 verifications at once.
///
/// Each attempt is counted before its password is verified and taken back when it
/// succeeds or is refused unverified, so a parallel burst gets no more guesses than the
/// limit and the counters hold exactly the failures that were answered as such.
#[derive(Debug, Clone)]
pub struct Authenticator {
    store: Store,
    policy: LoginConfig,
    verifications: Arc<Semaphore>,
}

impl Authenticator {
    pub fn new(store: Store, policy: LoginConfig) -> Self {
        let verifications = Arc::new(Semaphore::new(policy.max_concurrent_verifications));
        Self {
            store,
            policy,
            verifications,
        }
    }

    /// Checks the credentials. Throttling is decided before the password is looked at,
    /// so a refusal reveals nothing about the password tried.
    pub async fn login(
        &self,
        username: &str,
        password: SecretString,
        client_ip: &str,
    ) -> Result<User, AuthError> {
        let name = username.trim().to_ascii_lowercase();
        let keys = ThrottleKeys::new(&name, client_ip);
        let now = now_millis();
        self.wait_for_account_delay(&keys, now).await?;
        let counted = self.count_attempt(&keys, now).await?;
        let Ok(_permit) = self.verifications.clone().try_acquire_owned() else {
            self.uncount(&counted).await?;
            return Err(AuthError::Busy {
                retry_after_secs: 1,
            });
        };

        let found = self.store.find_user_credentials(&name).await?;
        let (user, hash) = match found {
            Some((user, hash)) => (Some(user), Some(hash)),
            None => (None, None),
        };
        let password_ok = verify_password(password, hash).await;
        match user {
            Some(user) if password_ok && !user.disabled => {
                self.store.clear_login_attempts(&keys.pair).await?;
                self.store.uncount_login_attempt(&keys.ip).await?;
                Ok(user)
            }
            _ => {
                // The pair and address counts stand as failures; the account's own count
                // (which drives the delay) records only verified failures.
                self.store
                    .count_login_attempt(&keys.account, now, self.window_ms())
                    .await?;
                Err(AuthError::InvalidCredentials)
            }
        }
    }

    /// Checks the second step of `user`'s sign-in: a current code from their authenticator
    /// (each 30-second step accepted once) or one of their unused recovery codes. Attempts
    /// are counted per user before checking, with the per-account limit.
    pub async fn verify_second_factor(
        &self,
        user: &User,
        code: &str,
    ) -> Result<SecondFactorUsed, AuthError> {
        use crate::staff::second_factor::{hash_recovery_code, matching_step};

        let key = format!("second-factor:{}", user.id);
        let now = now_millis();
        let window = self.window_ms();
        let count = self.store.count_login_attempt(&key, now, window).await?;
        if count.failures > self.policy.max_failures_per_account {
            self.store.uncount_login_attempt(&key).await?;
            return Err(AuthError::Throttled {
                retry_after_secs: seconds_until(count.window_start + window, now),
            });
        }
        let Some(secret) = self.store.totp_state(user.id).await?.secret else {
            return Err(AuthError::InvalidCode);
        };
        let now_secs = u64::try_from(now / 1000).unwrap_or_default();
        let used = match matching_step(&secret, code, now_secs) {
            Some(step) => {
                let step = i64::try_from(step).unwrap_or(i64::MAX);
                self.store
                    .claim_totp_step(user.id, step)
                    .await?
                    .then_some(SecondFactorUsed::Code)
            }
            None => self
                .store
                .use_recovery_code(user.id, &hash_recovery_code(code))
                .await?
                .then_some(SecondFactorUsed::RecoveryCode),
        };
        match used {
            Some(used) => {
                self.store.clear_login_attempts(&key).await?;
                Ok(used)
            }
            None => Err(AuthError::InvalidCode),
        }
    }

    fn window_ms(&self) -> i64 {
        self.policy.window_minutes * 60_000
    }

    /// Refuses an address that has failed on this account itself while the account's
    /// progressive delay runs.
    async fn wait_for_account_delay(&self, keys: &ThrottleKeys, now: i64) -> Result<(), AuthError> {
        let window = self.window_ms();
        let own = self.store.login_count(&keys.pair, now, window).await?;
        if own.failures == 0 {
            return Ok(());
        }
        let account = self.store.login_count(&keys.account, now, window).await?;
        let delay = account_delay_ms(account.failures, self.policy.account_delay_after, window);
        let free_at = account.last_at + delay;
        if delay > 0 && now < free_at {
            return Err(AuthError::Throttled {
                retry_after_secs: seconds_until(free_at, now),
            });
        }
        Ok(())
    }

    /// Counts the attempt against the pair, then the address; over either limit, takes
    /// back what it counted and refuses.
    async fn count_attempt<'k>(
        &self,
        keys: &'k ThrottleKeys,
        now: i64,
    ) -> Result<Vec<&'k str>, AuthError> {
        let window = self.window_ms();
        let mut counted = Vec::with_capacity(2);
        for (key, limit) in [
            (keys.pair.as_str(), self.policy.max_failures_per_account),
            (keys.ip.as_str(), self.policy.max_failures_per_ip),
        ] {
            let count = self.store.count_login_attempt(key, now, window).await?;
            counted.push(key);
            if count.failures > limit {
                self.uncount(&counted).await?;
                return Err(AuthError::Throttled {
                    retry_after_secs: seconds_until(count.window_start + window, now),
                });
            }
        }
        Ok(counted)
    }

    async fn uncount(&self, keys: &[&str]) -> Result<(), AuthError> {
        for key in keys {
            self.store.uncount_login_attempt(key).await?;
        }
        Ok(())
    }
}

/// Which second factor completed a sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorUsed {
    Code,
    RecoveryCode,
}

impl SecondFactorUsed {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Code => "authenticator code",
            Self::RecoveryCode => "recovery code",
        }
    }
}

/// The counter keys of one sign-in attempt.
struct ThrottleKeys {
    pair: String,
    ip: String,
    account: String,
}

impl ThrottleKeys {
    fn new(name: &str, client_ip: &str) -> Self {
        Self {
            pair: format!("pair:{name}:{client_ip}"),
            ip: format!("ip:{client_ip}"),
            account: format!("account:{name}"),
        }
    }
}

/// The wait after an account's latest failure: none below `after` failures, then 1 s
/// doubling with each further failure, never more than `cap_ms`.
fn account_delay_ms(failures: i64, after: i64, cap_ms: i64) -> i64 {
    if failures < after {
        return 0;
    }
    let doublings = u32::try_from(failures - after).unwrap_or(u32::MAX).min(30);
    (1_000_i64 << doublings).min(cap_ms)
}

fn seconds_until(at: i64, now: i64) -> i64 {
    ((at - now + 999) / 1000).max(1)
}

/// What a session remembers about its login, checked on every request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    pub user_id: i64,
    /// The user's `session_epoch` when the session was issued.
    pub epoch: i64,
    /// When the login happened (epoch milliseconds).
    pub login_at: i64,
    /// The session's entry in the register of sessions (random, 128 bits): the session is
    /// accepted only while that entry exists. Sessions from before the register have
    /// none and must sign in again.
    #[serde(default)]
    pub handle: String,
}

impl SessionClaims {
    pub fn issue(user: &User) -> Self {
        let handle: u128 = rand::random();
        Self {
            user_id: user.id,
            epoch: user.session_epoch,
            login_at: now_millis(),
            handle: format!("{handle:032x}"),
        }
    }

    /// True while the session may still act for `user`: the account is enabled, no
    /// session-ending change happened since login, and the absolute lifetime has not passed.
    pub fn still_valid_for(&self, user: &User, now: i64, absolute_lifetime_ms: i64) -> bool {
        user.id == self.user_id
            && !user.disabled
            && user.session_epoch == self.epoch
            && now - self.login_at < absolute_lifetime_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staff::audit::AuditEntry;

    #[test]
    fn roles_are_ordered_by_privilege_and_round_trip() {
        assert!(Role::Viewer < Role::Operator && Role::Operator < Role::Admin);
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn usernames_are_canonicalised_and_validated() {
        assert_eq!(Username::parse("  Ana.Lee ").unwrap().as_str(), "ana.lee");
        assert_eq!(Username::parse("ab"), Err(CredentialError::BadUsername));
        assert_eq!(
            Username::parse("ana lee"),
            Err(CredentialError::BadUsername)
        );
        assert_eq!(
            Username::parse("ana<script>"),
            Err(CredentialError::BadUsername)
        );
    }

    #[test]
    fn passwords_need_twelve_to_128_characters() {
        let p = |s: &str| Password::parse(SecretString::from(s.to_owned())).map(|_| ());
        assert_eq!(p("short"), Err(CredentialError::PasswordTooShort));
        assert_eq!(p(&"x".repeat(129)), Err(CredentialError::PasswordTooLong));
        assert!(p("twelve chars").is_ok());
        assert_eq!(Password::generate().secret().expose_secret().len(), 20);
    }

    #[test]
    fn common_or_username_based_passwords_are_refused_as_guessable() {
        let p = |s: &str| Password::parse(SecretString::from(s.to_owned())).unwrap();
        for weak in [
            "password1234",
            "qwertyuiop12",
            "ana.lee123456",
            "merchantdashboard",
        ] {
            assert_eq!(
                p(weak).refuse_guessable("ana.lee"),
                Err(CredentialError::PasswordGuessable),
                "{weak}"
            );
        }
        assert!(
            p("violet tram kettle monsoon")
                .refuse_guessable("ana.lee")
                .is_ok()
        );
    }

    #[test]
    fn a_session_ends_on_disable_epoch_change_or_absolute_timeout() {
        let user = User {
            id: 1,
            username: "ana".into(),
            role: Role::Admin,
            disabled: false,
            session_epoch: 3,
            created_at: 0,
            two_factor: false,
            timezone: None,
        };
        let claims = SessionClaims {
            user_id: 1,
            epoch: 3,
            login_at: 1_000,
            handle: "h".into(),
        };
        assert!(claims.still_valid_for(&user, 2_000, 10_000));
        assert!(!claims.still_valid_for(&user, 11_000, 10_000));
        assert!(!claims.still_valid_for(
            &User {
                disabled: true,
                ..user.clone()
            },
            2_000,
            10_000
        ));
        assert!(!claims.still_valid_for(
            &User {
                session_epoch: 4,
                ..user.clone()
            },
            2_000,
            10_000
        ));
        assert!(!claims.still_valid_for(&User { id: 2, ..user }, 2_000, 10_000));
    }

    fn policy() -> LoginConfig {
        LoginConfig {
            max_failures_per_account: 3,
            max_failures_per_ip: 5,
            window_minutes: 15,
            account_delay_after: 100,
            max_concurrent_verifications: 4,
        }
    }

    #[test]
    fn the_account_delay_starts_at_one_second_and_doubles_up_to_the_cap() {
        assert_eq!(account_delay_ms(2, 3, 900_000), 0);
        assert_eq!(account_delay_ms(3, 3, 900_000), 1_000);
        assert_eq!(account_delay_ms(4, 3, 900_000), 2_000);
        assert_eq!(account_delay_ms(12, 3, 900_000), 512_000);
        assert_eq!(account_delay_ms(13, 3, 900_000), 900_000);
        assert_eq!(account_delay_ms(i64::MAX, 3, 900_000), 900_000);
    }

    async fn add_user(store: &Store, name: &str, password: &str, role: Role) -> User {
        let hash =
            hash_password(&Password::parse(SecretString::from(password.to_owned())).unwrap())
                .await
                .unwrap();
        let audit = AuditEntry {
            actor: "test".into(),
            action: "user.create".into(),
            target: name.into(),
            detail: String::new(),
            client_ip: String::new(),
            trace_id: String::new(),
        };
        store.insert_user(name, &hash, role, &audit).await.unwrap()
    }

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    crate::test_on_both_backends! {
        async fn login_accepts_the_right_password_and_refuses_all_else_alike(db) {
            let store = db.store();
            let auth = Authenticator::new(store.clone(), policy());
            let ana = add_user(&store, "ana", "correct horse battery", Role::Operator).await;
            let user = auth.login("Ana", secret("correct horse battery"), "1.1.1.1").await.unwrap();
            assert_eq!(user.id, ana.id);
            for (name, pass) in [("ana", "wrong password!!"), ("nobody", "correct horse battery")] {
                let err = auth.login(name, secret(pass), "1.1.1.1").await.unwrap_err();
                assert_eq!(err.to_string(), "invalid credentials");
            }
            let audit = AuditEntry {
                actor: "t".into(), action: "user.disable".into(), target: "ana".into(),
                detail: String::new(), client_ip: String::new(), trace_id: String::new(),
            };
            store.set_user_disabled(ana.id, true, &audit).await.unwrap();
            let err = auth.login("ana", secret("correct horse battery"), "1.1.1.1").await.unwrap_err();
            assert!(matches!(err, AuthError::InvalidCredentials));
        }
    }

    crate::test_on_both_backends! {
        async fn failures_from_one_address_refuse_that_address_but_never_the_owner_elsewhere(db) {
            let store = db.store();
            let auth = Authenticator::new(store.clone(), policy());
            add_user(&store, "ana", "correct horse battery", Role::Viewer).await;
            for _ in 0..3 {
                let err = auth.login("ana", secret("nope nope nope"), "2.2.2.2").await.unwrap_err();
                assert!(matches!(err, AuthError::InvalidCredentials));
            }
            let err = auth.login("ana", secret("correct horse battery"), "2.2.2.2").await.unwrap_err();
            match err {
                AuthError::Throttled { retry_after_secs } => assert!(retry_after_secs > 800),
                other => panic!("expected throttling, got {other:?}"),
            }
            auth.login("ana", secret("correct horse battery"), "3.3.3.3").await.unwrap();
        }
    }

    crate::test_on_both_backends! {
        async fn many_failures_from_one_address_throttle_that_address(db) {
            let store = db.store();
            let auth = Authenticator::new(store.clone(), policy());
            add_user(&store, "ana", "correct horse battery", Role::Viewer).await;
            for i in 0..5 {
                let _ = auth.login(&format!("guess{i}"), secret("whatever whatever"), "4.4.4.4").await;
            }
            let err = auth.login("ana", secret("correct horse battery"), "4.4.4.4").await.unwrap_err();
            assert!(matches!(err, AuthError::Throttled { .. }), "{err:?}");
            auth.login("ana", secret("correct horse battery"), "5.5.5.5").await.unwrap();
        }
    }

    crate::test_on_both_backends! {
        async fn an_address_that_failed_waits_out_the_accounts_delay_and_a_fresh_one_does_not(db) {
            let store = db.store();
            // Five failures from five addresses: the account's delay is 2^4 = 16 s.
            let auth = Authenticator::new(
                store.clone(),
                LoginConfig { account_delay_after: 1, ..policy() },
            );
            add_user(&store, "ana", "correct horse battery", Role::Viewer).await;
            for i in 1..=5 {
                let ip = format!("6.6.6.{i}");
                let err = auth.login("ana", secret("nope nope nope"), &ip).await.unwrap_err();
                assert!(matches!(err, AuthError::InvalidCredentials), "{err:?}");
            }
            let err = auth.login("ana", secret("nope nope nope"), "6.6.6.1").await.unwrap_err();
            assert!(
                matches!(err, AuthError::Throttled { retry_after_secs } if (1..=16).contains(&retry_after_secs)),
                "{err:?}"
            );
            auth.login("ana", secret("correct horse battery"), "7.7.7.7").await.unwrap();
        }
    }

    crate::test_on_both_backends! {
        async fn with_every_verification_slot_taken_an_attempt_is_refused_and_counts_nothing(db) {
            let store = db.store();
            let auth = Authenticator::new(
                store.clone(),
                LoginConfig { max_concurrent_verifications: 1, ..policy() },
            );
            add_user(&store, "ana", "correct horse battery", Role::Viewer).await;
            let held = auth.verifications.clone().try_acquire_owned().unwrap();
            let err = auth.login("ana", secret("nope nope nope"), "8.8.8.8").await.unwrap_err();
            assert!(matches!(err, AuthError::Busy { .. }), "{err:?}");
            let now = now_millis();
            for key in ["pair:ana:8.8.8.8", "ip:8.8.8.8", "account:ana"] {
                assert_eq!(store.login_count(key, now, 60_000).await.unwrap().failures, 0, "{key}");
            }
            drop(held);
            auth.login("ana", secret("correct horse battery"), "8.8.8.8").await.unwrap();
        }
    }

    crate::test_on_both_backends! {
        async fn a_second_factor_code_works_once_a_recovery_code_once_and_guessing_is_throttled(db) {
            use crate::staff::second_factor::{code_at, generate_secret, hash_recovery_code};
            let store = db.store();
            let auth = Authenticator::new(store.clone(), policy());
            let ana = add_user(&store, "ana", "correct horse battery", Role::Admin).await;
            let secret = generate_secret();
            store.offer_totp_secret(ana.id, &secret).await.unwrap();
            let audit = AuditEntry {
                actor: "ana".into(), action: "user.mfa_enable".into(), target: "ana".into(),
                detail: String::new(), client_ip: String::new(), trace_id: String::new(),
            };
            store.enable_totp(ana.id, &secret, 0, &[hash_recovery_code("abcde-fghjk")], &audit).await.unwrap();
            let now_secs = u64::try_from(now_millis() / 1000).unwrap();
            let code = code_at(&secret, now_secs).unwrap();
            assert_eq!(auth.verify_second_factor(&ana, &code).await.unwrap(), SecondFactorUsed::Code);
            let replay = auth.verify_second_factor(&ana, &code).await.unwrap_err();
            assert!(matches!(replay, AuthError::InvalidCode), "{replay:?}");
            assert_eq!(
                auth.verify_second_factor(&ana, "ABCDE FGHJK").await.unwrap(),
                SecondFactorUsed::RecoveryCode
            );
            assert!(matches!(auth.verify_second_factor(&ana, "abcde-fghjk").await, Err(AuthError::InvalidCode)));
            for _ in 0..2 {
                assert!(matches!(auth.verify_second_factor(&ana, "000000").await, Err(AuthError::InvalidCode)));
            }
            let err = auth.verify_second_factor(&ana, "000000").await.unwrap_err();
            assert!(matches!(err, AuthError::Throttled { .. }), "{err:?}");
        }
    }
}
