//! Host output as whole lines. `Write-Host -NoNewline` and `$Host.UI.Write` send a line in
//! pieces; stored one record per piece, a job's output (and a caller's console replaying it)
//! would break the line wherever the script paused writing it. The pieces are held until the
//! piece that ends the line, and stored as one record.

use model::{JobOutput, OutputType};

#[derive(Default)]
pub(crate) struct HostLines {
    /// The start of a host line not ended yet: its first piece's time, the text so far.
    partial: Option<JobOutput>,
}

impl HostLines {
    /// The record to store for `record` (`ends_line`: false for a host piece that does not end
    /// its line); `None` while a host line is unfinished. Other records pass as they are.
    pub(crate) fn join(&mut self, mut record: JobOutput, ends_line: bool) -> Option<JobOutput> {
        if record.output_type != OutputType::Host {
            return Some(record);
        }
        if let Some(head) = self.partial.take() {
            record.message = head.message + &record.message;
            record.timestamp = head.timestamp;
            // A line keeps a colour only if all its pieces have it.
            if head.foreground_color != record.foreground_color {
                record.foreground_color = None;
            }
            if head.background_color != record.background_color {
                record.background_color = None;
            }
            // The CliXml of the last piece alone would not match the joined text.
            record.data = None;
        }
        if ends_line {
            Some(record)
        } else {
            self.partial = Some(record);
            None
        }
    }

    /// The unfinished line the job ended with, if any.
    pub(crate) fn finish(&mut self) -> Option<JobOutput> {
        self.partial.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::ConsoleColor;

    fn record(output_type: OutputType, message: &str) -> JobOutput {
        JobOutput {
            output_type,
            message: message.into(),
            data: Some(format!("<S>{message}</S>")),
            ..JobOutput::default()
        }
    }

    #[test]
    fn host_pieces_are_stored_as_whole_lines() {
        let mut lines = HostLines::default();
        let host = |m| record(OutputType::Host, m);
        assert_eq!(lines.join(host("working"), false), None);
        assert_eq!(lines.join(host("."), false), None);
        // Other streams go by meanwhile, as they came.
        let warning = record(OutputType::Warning, "careful");
        assert_eq!(lines.join(warning.clone(), true), Some(warning));
        let line = lines.join(host(" done"), true).unwrap();
        assert_eq!((line.message.as_str(), line.data), ("working. done", None));
        // A line in one piece keeps its CliXml.
        assert_eq!(lines.join(host("whole"), true), Some(host("whole")));
        assert_eq!(lines.finish(), None);
        // Colours all the pieces share are kept; others are dropped.
        let green = |m| JobOutput {
            foreground_color: Some(ConsoleColor::Green),
            background_color: Some(ConsoleColor::Black),
            ..host(m)
        };
        assert_eq!(lines.join(green("a"), false), None);
        let line = lines.join(green("b"), true).unwrap();
        assert_eq!(line.foreground_color, Some(ConsoleColor::Green));
        assert_eq!(lines.join(green("a"), false), None);
        let line = lines
            .join(
                JobOutput {
                    foreground_color: Some(ConsoleColor::Red),
                    ..green("b")
                },
                true,
            )
            .unwrap();
        assert_eq!(
            (line.foreground_color, line.background_color),
            (None, Some(ConsoleColor::Black))
        );
        assert_eq!(lines.join(host("left open"), false), None);
        assert_eq!(lines.finish().map(|r| r.message), Some("left open".into()));
    }
}
