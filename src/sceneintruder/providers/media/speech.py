"""Offline narration: espeak-ng (Debian's package; English and Mandarin voices) speaks a line to a WAV file.

Honest about what it is: a formant synthesiser, robotic but intelligible, and entirely local. Without
espeak-ng the film is made without narration (and says so)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import wave
from pathlib import Path

VOICES = {"zh": "cmn", "en": "en-us"}


def find_espeak(explicit: str | None = None) -> str | None:
    if explicit and Path(explicit).is_file():
        return explicit
    return shutil.which("espeak-ng")


async def speak(binary: str, text: str, language: str, out: Path, *, words_per_minute: int = 160) -> float:
    """Speak `text` into `out` (WAV); returns its duration in seconds."""
    voice = VOICES.get(language, VOICES["en"])
    process = await asyncio.create_subprocess_exec(
        binary,
        "-v",
        voice,
        "-s",
        str(words_per_minute),
        "-w",
        str(out),
        "--stdin",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        _, errors = await asyncio.wait_for(process.communicate(text.encode("utf-8")), 60)
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        raise
    if process.returncode != 0:
        raise RuntimeError(f"espeak-ng failed: {errors.decode('utf-8', 'replace')[:200]}")
    return await asyncio.to_thread(wav_seconds, out)


def wav_seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / float(audio.getframerate() or 1)
