//! Which stream records a follower has already delivered, so that each record is delivered
//! once, in order, whatever the server does with `after`.

use model::JobOutput;

#[derive(Debug, Default, Clone)]
pub(crate) struct OutputCursor {
    /// The greatest record id delivered (servers that number their records).
    last_id: Option<i64>,
    /// How many records were delivered from a server that does not number them: it cannot
    /// honour `after` either, so it answers the whole list every time.
    delivered_unnumbered: usize,
}

impl OutputCursor {
    pub(crate) fn starting_after(after: Option<i64>) -> Self {
        Self {
            last_id: after,
            delivered_unnumbered: 0,
        }
    }

    /// The `after` to send: only meaningful for numbered records.
    pub(crate) fn after(&self) -> Option<i64> {
        self.last_id
    }

    /// The records of an answer that were not delivered yet, in order, marked delivered.
    pub(crate) fn take_new(&mut self, mut records: Vec<JobOutput>) -> Vec<JobOutput> {
        if records.iter().all(|r| r.id > 0) {
            // Servers that ignore `after` (PSU) send old records again; a server may also
            // answer out of order: the ids decide.
            records.sort_by_key(|r| r.id);
            records.retain(|r| self.last_id.is_none_or(|last| r.id > last));
            if let Some(last) = records.last() {
                self.last_id = Some(last.id);
            }
            records
        } else {
            let fresh: Vec<JobOutput> = records
                .into_iter()
                .skip(self.delivered_unnumbered)
                .collect();
            self.delivered_unnumbered += fresh.len();
            fresh
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(ids: &[i64]) -> Vec<JobOutput> {
        ids.iter()
            .map(|&id| JobOutput {
                id,
                message: format!("m{id}"),
                ..JobOutput::default()
            })
            .collect()
    }

    fn ids(records: &[JobOutput]) -> Vec<i64> {
        records.iter().map(|r| r.id).collect()
    }

    #[test]
    fn numbered_records_are_delivered_once_in_order() {
        let mut cursor = OutputCursor::starting_after(None);
        assert_eq!(ids(&cursor.take_new(records(&[2, 1]))), [1, 2]);
        assert_eq!(cursor.after(), Some(2));
        // A server ignoring `after` repeats everything.
        assert_eq!(ids(&cursor.take_new(records(&[1, 2, 3]))), [3]);
        assert!(cursor.take_new(records(&[1, 2, 3])).is_empty());
        assert!(cursor.take_new(Vec::new()).is_empty());
        assert_eq!(cursor.after(), Some(3));
    }

    #[test]
    fn a_start_point_skips_earlier_records() {
        let mut cursor = OutputCursor::starting_after(Some(5));
        assert_eq!(ids(&cursor.take_new(records(&[4, 5, 6]))), [6]);
    }

    #[test]
    fn unnumbered_records_are_counted() {
        let mut cursor = OutputCursor::starting_after(None);
        assert_eq!(cursor.take_new(records(&[0, 0])).len(), 2);
        let again = cursor.take_new(records(&[0, 0, 0]));
        assert_eq!(again.len(), 1);
        assert_eq!(cursor.after(), None);
    }
}
