//! Reading a Distributed Map's results where its ResultWriter put them: the manifest, then every
//! file of succeeded executions (contract::map_run has AWS's formats).

use contract::map_run::{Entry, Location, Manifest};
use serde::de::DeserializeOwned;

use crate::{ActivityError, Clients};

/// The outputs of every child execution that succeeded, and those that did not.
pub struct Results<T> {
    pub outputs: Vec<T>,
    pub unsucceeded: Vec<Entry>,
}

/// Reads the map run's results from S3 (`s3:GetObject` on the manifest and its result files).
pub async fn results<T: DeserializeOwned>(clients: &Clients, manifest: &Location) -> Result<Results<T>, ActivityError> {
    let listed: Manifest = read(clients, &manifest.bucket, &manifest.key).await?;
    let files = listed.result_files;
    let mut results = Results { outputs: Vec::new(), unsucceeded: Vec::new() };
    for file in files.failed.iter().chain(&files.pending) {
        let entries: Vec<Entry> = read(clients, &manifest.bucket, &file.key).await?;
        results.unsucceeded.extend(entries);
    }
    for file in &files.succeeded {
        let entries: Vec<Entry> = read(clients, &manifest.bucket, &file.key).await?;
        for (i, entry) in entries.into_iter().enumerate() {
            let where_ = || format!("s3://{}/{}[{i}].Output", manifest.bucket, file.key);
            let output = entry.output.ok_or_else(|| ActivityError::invalid_input(&where_(), "missing"))?;
            let output = serde_json::from_str(&output).map_err(|e| ActivityError::invalid_input(&where_(), e))?;
            results.outputs.push(output);
        }
    }
    Ok(results)
}

async fn read<T: DeserializeOwned>(clients: &Clients, bucket: &str, key: &str) -> Result<T, ActivityError> {
    let object = clients.s3.get_object().bucket(bucket).key(key).send().await?;
    let body = object.body.collect().await.map_err(|e| ActivityError::new(crate::errors::RETRYABLE, e))?.into_bytes();
    serde_json::from_slice(&body).map_err(|e| ActivityError::invalid_input(&format!("s3://{bucket}/{key}"), e))
}
