//! `Declaration`: a component's facts, and the rules derived from them (its
//! files, the limits a judge applies, the one road to a verdict).
//!
//! Every form of a component reads these: the trait's constants build one
//! (`Declared::DECLARATION`, in `liveness/declared.rs`), a
//! [`Component`](crate::Component) wraps one, a [`Timestamp`](crate::Timestamp)
//! holds one, and the writer is bound to one.

use std::{
    borrow::Cow,
    path::{Path, PathBuf},
    time::Duration,
};

use crate::{
    Status,
    host::Host,
    status::{Expect, Limits},
    store::Contents,
};

/// A component's declaration: name, heartbeat path (with its environment
/// override), maximum age, startup grace and longest extension.
#[derive(Clone, Debug)]
pub(crate) struct Declaration {
    name: Cow<'static, str>,
    path: PathSource,
    max_age: Duration,
    startup_grace: Duration,
    extend: Extend,
    /// A bare [`Timestamp`](crate::Timestamp): a record of any component
    /// counts, and `name` is only what lines show.
    any_owner: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PathSource {
    /// A type's `PATH`, overridden by its `PATH_ENV` variable when set.
    Declared(&'static str, Option<&'static str>),
    Fixed(PathBuf),
}

/// How long an extension may be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Extend {
    /// Declared without `max_extend`: the writer refuses extensions, and the
    /// judge honours none.
    Refused,
    /// Up to this long.
    UpTo(Duration),
    /// Known at run time: honoured as the writer recorded it.
    AsRecorded,
}

impl Declaration {
    /// A type's declaration, from its constants.
    pub(crate) const fn declared(
        name: &'static str,
        path: (&'static str, Option<&'static str>),
        max_age: Duration,
        startup_grace: Duration,
        max_extend: Option<Duration>,
    ) -> Declaration {
        Declaration {
            name: Cow::Borrowed(name),
            path: PathSource::Declared(path.0, path.1),
            max_age,
            startup_grace,
            extend: match max_extend {
                Some(max) => Extend::UpTo(max),
                None => Extend::Refused,
            },
            any_owner: false,
        }
    }

    /// A component known at run time: the startup grace is `max_age`, and
    /// extensions are honoured as recorded.
    pub(crate) fn fixed(name: Cow<'static, str>, path: PathBuf, max_age: Duration) -> Declaration {
        Declaration {
            name,
            path: PathSource::Fixed(path),
            max_age,
            startup_grace: max_age,
            extend: Extend::AsRecorded,
            any_owner: false,
        }
    }

    /// A heartbeat of no particular component, shown as `label`.
    pub(crate) fn anonymous(label: String, path: PathBuf, max_age: Duration) -> Declaration {
        Declaration {
            any_owner: true,
            ..Declaration::fixed(Cow::Owned(label), path, max_age)
        }
    }

    /// The same declaration with another startup grace.
    pub(crate) fn with_startup_grace(mut self, grace: Duration) -> Declaration {
        self.startup_grace = grace;
        self
    }

    /// The same declaration, honouring extensions up to `max` only.
    pub(crate) fn with_max_extend(mut self, max: Duration) -> Declaration {
        self.extend = Extend::UpTo(max);
        self
    }

    /// The same declaration, holding the records of component `name` only.
    pub(crate) fn owned_by(mut self, name: String) -> Declaration {
        self.name = Cow::Owned(name);
        self.any_owner = false;
        self
    }

    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    pub(crate) fn max_age(&self) -> Duration {
        self.max_age
    }

    pub(crate) fn startup_grace(&self) -> Duration {
        self.startup_grace
    }

    /// The longest extension a writer may record; `None`: refused.
    pub(crate) fn max_extend(&self) -> Option<Duration> {
        match self.extend {
            Extend::UpTo(max) => Some(max),
            Extend::Refused | Extend::AsRecorded => None,
        }
    }

    /// Whether a writer bound to `self` may write for `other`: the same
    /// name and the same declared path.
    pub(crate) fn same_writer(&self, other: &Declaration) -> bool {
        self.name == other.name && self.path == other.path
    }

    /// The heartbeat path, resolved now: the environment variable when set
    /// and non-empty, else the declared path.
    pub(crate) fn path(&self) -> PathBuf {
        match &self.path {
            PathSource::Declared(path, env) => resolve_path(path, *env),
            PathSource::Fixed(path) => path.clone(),
        }
    }

    /// The file of the type (`None`) or of pool instance `i`, resolved now.
    pub(crate) fn file(&self, instance: Option<u32>) -> PathBuf {
        match instance {
            Some(index) => instance_file(&self.path(), index),
            None => self.path(),
        }
    }

    /// The pool's record, `<path>.pool`, resolved now.
    pub(crate) fn pool_file(&self) -> PathBuf {
        pool_file(&self.path())
    }

    /// How the type, or pool instance `i`, is named in lines and errors.
    pub(crate) fn label(&self, instance: Option<u32>) -> String {
        match instance {
            Some(index) => format!("{}[{index}]", self.name),
            None => self.name.to_string(),
        }
    }

    /// The limits a judge applies.
    pub(crate) fn limits(&self) -> Limits {
        Limits {
            max_age: self.max_age,
            startup_grace: self.startup_grace,
            max_extend: match self.extend {
                Extend::UpTo(max) => Some(max),
                Extend::Refused => Some(Duration::ZERO),
                Extend::AsRecorded => None,
            },
        }
    }

    /// Whose record the file of the type, or of instance `i`, must hold.
    pub(crate) fn expect(&self, instance: Option<u32>) -> Expect<'_> {
        Expect {
            name: (!self.any_owner).then_some(&*self.name),
            instance,
        }
    }

    /// The verdict on the heartbeat of the type, or of instance `i`, that
    /// `path` held as `contents`, on `host`: the one road to a [`Status`].
    pub(crate) fn judge(
        &self,
        instance: Option<u32>,
        path: &Path,
        contents: Contents,
        host: &Host,
    ) -> Status {
        Status::owning(&self.expect(instance), path, self.limits(), contents, host)
            .named(&self.name)
    }
}

/// The `env` variable's value when set and non-empty, else `path`.
fn resolve_path(path: &str, env: Option<&str>) -> PathBuf {
    env.and_then(std::env::var_os)
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from(path), PathBuf::from)
}

/// The file of pool instance `index` of the heartbeat at `path`: `<path>.<index>`.
pub(crate) fn instance_file(path: &Path, index: u32) -> PathBuf {
    // The digits on the stack: a thousand instances per survey.
    let mut digits = [0u8; 10];
    let mut start = digits.len();
    let mut n = index;
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    with_suffix(
        path,
        std::str::from_utf8(&digits[start..]).unwrap_or_default(),
    )
}

/// The pool record of the heartbeat at `path`: `<path>.pool`.
pub(crate) fn pool_file(path: &Path) -> PathBuf {
    with_suffix(path, "pool")
}

/// The index of the pool instance whose file is named `file` beside the
/// heartbeat named `name`, if it is one (`<name>.<i>`, `i` written as
/// `u32` writes it).
pub(crate) fn instance_index(name: &[u8], file: &[u8]) -> Option<u32> {
    let suffix = file.strip_prefix(name)?.strip_prefix(b".")?;
    let digits = std::str::from_utf8(suffix).ok()?;
    let i: u32 = digits.parse().ok()?;
    (i.to_string() == digits).then_some(i)
}

/// `path` with `.suffix` appended to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let path = path.as_os_str();
    let mut path = {
        let mut with = std::ffi::OsString::with_capacity(path.len() + 1 + suffix.len());
        with.push(path);
        with
    };
    path.push(".");
    path.push(suffix);
    path.into()
}

#[cfg(test)]
#[path = "declaration_tests.rs"]
mod tests;
