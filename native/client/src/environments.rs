//! `GET /api/v1/environment`: the environments a job may ask for (`-Environment` completion).

use model::Environment;

use crate::client::Client;
use crate::error::{Resource, Result};
use crate::transport::{ApiRequest, Method};

impl Client {
    pub async fn environments(&self) -> Result<Vec<Environment>> {
        self.json(
            ApiRequest::new(Method::Get, "environment"),
            Resource::Route("environment".to_owned()),
        )
        .await
    }
}
