//! `psujobs backup <folder>`: the SQLite store and the key that opens its credentials, copied
//! while the server serves into a new folder that is itself a data folder. Restoring is
//! serving from it (or copying its files into the data folder while the server is stopped).

use std::path::Path;

use anyhow::{Context, bail};

use crate::config::Settings;
use crate::private_file;
use crate::secrets;
use crate::store::SqliteStore;

pub fn back_up(settings: &Settings, folder: &Path) -> anyhow::Result<()> {
    let key = secrets::key_file(&settings.data_dir);
    if settings.database.is_some() {
        bail!(
            "the jobs are in PostgreSQL: back them up with pg_dump, and keep a copy of {}, which opens the stored credentials",
            key.display()
        );
    }
    let store = settings.data_dir.join(SqliteStore::FILE);
    if !store.is_file() {
        bail!(
            "there is no store to back up: {} does not exist",
            store.display()
        );
    }
    if folder.exists() {
        bail!(
            "{} already exists: back up into a new folder",
            folder.display()
        );
    }
    private_file::create_dir(folder)
        .with_context(|| format!("cannot create {}", folder.display()))?;
    let jobs = SqliteStore::open(&settings.data_dir)?
        .back_up_into(&folder.join(SqliteStore::FILE))
        .with_context(|| format!("cannot back up {}", store.display()))?;
    // A data folder no server or `credential set` has used yet has no key, and no credentials.
    let with_key = key.exists();
    if with_key {
        let sealed =
            std::fs::read(&key).with_context(|| format!("cannot read {}", key.display()))?;
        private_file::write(&secrets::key_file(folder), &sealed)
            .with_context(|| format!("cannot write the key into {}", folder.display()))?;
    }
    let jobs = match jobs {
        1 => "1 job".to_owned(),
        n => format!("{n} jobs"),
    };
    eprintln!(
        "backed up {jobs}{} into {1}; to restore, stop the server and serve with --data {1}, or copy its files into the data folder",
        if with_key {
            " and the credentials' key"
        } else {
            ""
        },
        folder.display()
    );
    Ok(())
}
