"""Media tools the studios share: ffmpeg (found and run with progress and cancellation), offline speech
(espeak-ng), and the offline film's filter graph."""
