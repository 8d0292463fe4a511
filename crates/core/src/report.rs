//! Errors as log lines: an error followed by every cause behind it, so that a line says why
//! (`database error: pool timed out while waiting for an open connection`), not only what.

use std::fmt;

/// Displays an error and its chain of sources, separated by `: `.
pub struct Chain<'a>(pub &'a (dyn std::error::Error + 'a));

impl fmt::Display for Chain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_error_is_shown_with_the_database_error_behind_it() {
        let err = crate::store::StoreError::Database(sqlx::Error::PoolTimedOut);
        assert_eq!(
            Chain(&err).to_string(),
            "database error: pool timed out while waiting for an open connection"
        );
    }
}
