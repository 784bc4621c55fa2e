//! Which writer of this process owns which heartbeat path.
//!
//! One file, one owner: two components that resolve to the same path (two
//! types of the same name in two modules, two `env` overrides set to one
//! file) would overwrite each other's records, and each would vouch for the
//! other. The first writer to open a path claims it; another writer of this
//! process that resolves to it gets [`Error::PathTaken`].

use std::{
    path::{Path, PathBuf},
    sync::{Mutex, PoisonError},
};

use crate::Error;

/// Claimed paths: the path, the claiming writer (its address, stable for
/// the life of the process), and its component's name.
static CLAIMS: Mutex<Vec<(PathBuf, usize, String)>> = Mutex::new(Vec::new());

/// Claims `path` for the writer `owner` of component `name`.
///
/// # Errors
///
/// [`Error::PathTaken`] when another writer claimed it.
pub(crate) fn claim(path: &Path, owner: usize, name: &str) -> Result<(), Error> {
    let mut claims = CLAIMS.lock().unwrap_or_else(PoisonError::into_inner);
    match claims.iter().find(|(claimed, _, _)| claimed == path) {
        Some((_, by, _)) if *by == owner => Ok(()),
        Some((_, _, by)) => Err(Error::PathTaken {
            path: path.to_owned(),
            by: by.clone(),
        }),
        None => {
            claims.push((path.to_owned(), owner, name.to_owned()));
            Ok(())
        }
    }
}
