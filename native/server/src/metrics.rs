//! Prometheus metrics served at `/metrics`.

use model::JobStatus;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

pub struct Metrics {
    registry: Registry,
    pub jobs_submitted: Counter,
    pub jobs_running: Gauge,
    pub jobs_queued: Gauge,
    pub jobs_groomed: Counter,
    /// Failed runs run again under their script's `RetryLimit`.
    pub job_retries: Counter,
    pub output_records: Counter,
    pub auth_failures: Counter,
    /// PowerShell runs that read script parameters (once per changed script content).
    pub parameter_reads: Counter,
    /// Warm PowerShell processes ready for the next job, over all environments.
    pub warm_processes: Gauge,
    finished: Family<Vec<(String, String)>, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("psujobs");
        let m = Self {
            jobs_submitted: Counter::default(),
            jobs_running: Gauge::default(),
            jobs_queued: Gauge::default(),
            jobs_groomed: Counter::default(),
            job_retries: Counter::default(),
            output_records: Counter::default(),
            auth_failures: Counter::default(),
            parameter_reads: Counter::default(),
            warm_processes: Gauge::default(),
            finished: Family::default(),
            registry: Registry::default(),
        };
        registry.register("jobs_submitted", "Jobs accepted", m.jobs_submitted.clone());
        registry.register("jobs_running", "Jobs running now", m.jobs_running.clone());
        registry.register(
            "jobs_queued",
            "Jobs waiting for a slot on any server of the store",
            m.jobs_queued.clone(),
        );
        registry.register(
            "jobs_groomed",
            "Jobs deleted by retention",
            m.jobs_groomed.clone(),
        );
        registry.register(
            "job_retries",
            "Failed runs run again (RetryLimit)",
            m.job_retries.clone(),
        );
        registry.register(
            "output_records",
            "Stream records stored",
            m.output_records.clone(),
        );
        registry.register(
            "auth_failures",
            "Requests refused for a bad token",
            m.auth_failures.clone(),
        );
        registry.register(
            "parameter_reads",
            "PowerShell runs that read script parameters",
            m.parameter_reads.clone(),
        );
        registry.register(
            "warm_processes",
            "Warm PowerShell processes ready for the next job",
            m.warm_processes.clone(),
        );
        registry.register(
            "jobs_finished",
            "Jobs finished, by status",
            m.finished.clone(),
        );
        Self { registry, ..m }
    }
}

impl Metrics {
    pub fn job_finished(&self, status: JobStatus) {
        self.finished
            .get_or_create(&vec![("status".into(), format!("{status:?}"))])
            .inc();
    }

    pub fn render(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = encode(&mut text, &self.registry);
        text
    }
}
