//! What can go wrong while decoding, named by file and line.

use std::fmt;

/// A problem with one line of one topic file: the line is skipped, everything else loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// The topic file, e.g. `TimingData.jsonStream`.
    pub file: String,
    /// 1-based line number in that file (0 when the problem concerns the whole file).
    pub line: usize,
    /// What was wrong, in plain words.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{} line {}: {}", self.file, self.line, self.message)
        }
    }
}

/// A topic file that could not be decoded at all (the topic is then treated as absent).
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    /// The file is empty or holds no valid line.
    #[error("{file}: no valid line in the file ({reason})")]
    Empty {
        /// Topic file name.
        file: String,
        /// Why no line was usable.
        reason: String,
    },
}

impl FeedError {
    /// The topic file concerned.
    pub fn file(&self) -> &str {
        match self {
            FeedError::Empty { file, .. } => file,
        }
    }

    /// This error as a whole-file [`Warning`] (line 0): the topic was lost.
    pub fn to_warning(&self) -> Warning {
        let message = match self {
            FeedError::Empty { reason, .. } => format!("no valid line in the file ({reason}): the whole topic is lost"),
        };
        Warning { file: self.file().to_string(), line: 0, message }
    }
}
