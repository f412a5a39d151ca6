//! Following a job from the events a transport pushes (the integrated channel): the same
//! [`WaitEvent`]s as the polling follower in `wait.rs`, without any polling.

use futures::StreamExt;
use futures::stream::BoxStream;
use model::integrated::WatchEvent;
use model::{Job, JobStatus};

use crate::error::{Error, Result};
use crate::wait_event::{JobProgress, WaitEvent, WaitOptions};

/// Reports `events` to `sink` until the job's final state arrives, and returns that job.
pub async fn follow<F>(
    mut events: BoxStream<'_, Result<WatchEvent>>,
    options: &WaitOptions,
    mut sink: F,
) -> Result<Job>
where
    F: FnMut(WaitEvent) + Send,
{
    let mut status: Option<JobStatus> = None;
    let mut progress: Option<JobProgress> = None;
    while let Some(event) = events.next().await {
        match event? {
            WatchEvent::Output(record) => {
                if options.follow_output {
                    sink(WaitEvent::Output(record));
                }
            }
            WatchEvent::Feedback(prompt) => {
                if options.follow_feedback {
                    sink(WaitEvent::Feedback(prompt));
                }
            }
            WatchEvent::Job(job) => {
                if status != Some(job.status) {
                    status = Some(job.status);
                    sink(WaitEvent::Status(job.status));
                }
                let now = JobProgress::of(&job);
                if now.is_some() && now != progress {
                    progress.clone_from(&now);
                    if let Some(now) = now {
                        sink(WaitEvent::Progress(now));
                    }
                }
                if job.status.is_terminal() {
                    return Ok(*job);
                }
            }
        }
    }
    Err(Error::BadResponse(
        "the job's event stream ended before the job did (the server is stopping)".into(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: JobStatus, activity: Option<&str>) -> WatchEvent {
        WatchEvent::Job(Box::new(Job {
            id: 1,
            status,
            activity: activity.map(Into::into),
            ..Job::default()
        }))
    }

    #[tokio::test]
    async fn events_become_wait_events_until_the_end() {
        let record = model::JobOutput {
            id: 3,
            message: "hi".into(),
            ..Default::default()
        };
        let events = futures::stream::iter([
            Ok(job(JobStatus::Running, None)),
            Ok(WatchEvent::Output(record.clone())),
            Ok(job(JobStatus::Running, Some("step"))),
            Ok(job(JobStatus::Completed, Some("step"))),
            Ok(WatchEvent::Output(record.clone())),
        ])
        .boxed();
        let mut seen = Vec::new();
        let done = follow(events, &WaitOptions::default(), |e| seen.push(e))
            .await
            .unwrap();
        assert_eq!(done.status, JobStatus::Completed);
        assert_eq!(seen.len(), 4, "{seen:?}");
        assert_eq!(seen[0], WaitEvent::Status(JobStatus::Running));
        assert_eq!(seen[1], WaitEvent::Output(record));
        assert!(matches!(&seen[2], WaitEvent::Progress(p) if p.activity == "step"));
        assert_eq!(seen[3], WaitEvent::Status(JobStatus::Completed));
    }

    #[tokio::test]
    async fn a_stream_that_stops_early_or_fails_is_an_error() {
        let events = futures::stream::iter([Ok(job(JobStatus::Running, None))]).boxed();
        let err = follow(events, &WaitOptions::default(), |_| {})
            .await
            .unwrap_err();
        assert_eq!(err.id(), "BadResponse");
        let events = futures::stream::iter([Err(Error::Canceled)]).boxed();
        let err = follow(events, &WaitOptions::default(), |_| {})
            .await
            .unwrap_err();
        assert_eq!(err, Error::Canceled);
    }
}
