"""Media for live multimodal models: uniformly sampled video frames (JPEG data URLs) and audio (base64 WAV).

Corpora record media as path stems (`Sample.media`, no extension), so files are found by trying extensions. Frames
need the `ffmpeg` / `ffprobe` binaries (no Python video library is required); audio WAVs are read with the stdlib
`wave` module, and a clip with no WAV has its sound track extracted by ffmpeg when present. Encoded media are
cached on disk by (file identity, budget), so a re-run does not decode every video again before it can look up the
response cache.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

from unibench.paths import cache_dir, write_atomic

VIDEO_EXTS = (".mp4", ".avi", ".mkv", ".mov", ".webm")
AUDIO_EXTS = (".wav",)
MEDIA_VERSION = 1  # bump when the encoding below changes: cached media then miss


class MediaError(Exception):
    """A per-sample media problem (missing file, undecodable clip): the sample fails, the run goes on."""


@dataclass(frozen=True)
class MediaBudget:
    frames: int = 8
    max_side: int = 448  # px, longest side after scaling (never upscaled)
    jpeg_quality: int = 4  # ffmpeg -q:v, 2 (best) .. 31
    audio_max_seconds: float = 30.0

    def key(self) -> dict:
        return {"frames": self.frames, "max_side": self.max_side, "q": self.jpeg_quality,
                "audio_max_seconds": self.audio_max_seconds}


def find_file(stem: str | None, exts: tuple[str, ...]) -> Path | None:
    if not stem:
        return None
    base = Path(stem)
    if base.suffix.lower() in exts and base.is_file():
        return base
    for ext in exts:
        p = base.with_name(base.name + ext)
        if p.is_file():
            return p
    return None


def have_ffmpeg() -> bool:
    return shutil.which("ffmpeg") is not None and shutil.which("ffprobe") is not None


def _ffmpeg(args: list[str], what: str) -> bytes:
    try:
        done = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", *args], capture_output=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise MediaError(f"ffmpeg failed on {what}: {type(err).__name__}") from None
    if done.returncode != 0 or not done.stdout:
        raise MediaError(f"ffmpeg failed on {what}: {done.stderr.decode(errors='replace').strip()[:200]}")
    return done.stdout


def duration(path: Path) -> float:
    try:
        out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(path)],
                             capture_output=True, timeout=60, check=True).stdout
        return float(json.loads(out)["format"]["duration"])
    except (OSError, subprocess.SubprocessError, ValueError, KeyError) as err:
        raise MediaError(f"cannot read the duration of {path}: {type(err).__name__}") from None


def sample_frames(path: Path, budget: MediaBudget) -> list[bytes]:
    """`budget.frames` JPEGs at the centres of equal time slices: t_k = (k + 0.5) * duration / n."""
    if not have_ffmpeg():
        raise MediaError("frame sampling needs the ffmpeg and ffprobe binaries on PATH")
    dur = duration(path)
    n = budget.frames
    scale = f"scale={budget.max_side}:{budget.max_side}:force_original_aspect_ratio=decrease"
    frames = []
    for k in range(n):
        t = (k + 0.5) * dur / n
        frames.append(_ffmpeg(["-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1", "-vf", scale,
                               "-q:v", str(budget.jpeg_quality), "-f", "image2pipe", "-vcodec", "mjpeg", "-"],
                              f"{path.name} at {t:.2f}s"))
    return frames


def wav_bytes(path: Path, max_seconds: float) -> bytes:
    """The WAV, cut to `max_seconds` (rewritten with the stdlib; no resampling: servers resample themselves)."""
    try:
        with wave.open(str(path), "rb") as src:
            params = src.getparams()
            keep = min(params.nframes, int(max_seconds * params.framerate))
            if keep == params.nframes:
                return path.read_bytes()
            data = src.readframes(keep)
    except (wave.Error, EOFError, OSError) as err:
        raise MediaError(f"{path}: unreadable WAV ({err})") from None
    buf = io.BytesIO()
    with wave.open(buf, "wb") as dst:
        dst.setnchannels(params.nchannels)
        dst.setsampwidth(params.sampwidth)
        dst.setframerate(params.framerate)
        dst.writeframes(data)
    return buf.getvalue()


def audio_from_video(path: Path, max_seconds: float) -> bytes:
    if not have_ffmpeg():
        raise MediaError(f"{path.name}: no WAV beside it and no ffmpeg to extract the sound track")
    return _ffmpeg(["-i", str(path), "-t", f"{max_seconds:g}", "-vn", "-ac", "1", "-ar", "16000", "-f", "wav", "-"],
                   f"the sound track of {path.name}")


def _cached(kind: str, path: Path, budget: MediaBudget, make) -> list[str]:
    """base64 strings for (file, size, mtime, budget), cached under $UNIBENCH_CACHE_DIR/media."""
    st = path.stat()
    ident = json.dumps([MEDIA_VERSION, kind, str(path.resolve()), st.st_size, st.st_mtime_ns, budget.key()])
    f = cache_dir() / "media" / f"{hashlib.sha256(ident.encode()).hexdigest()}.json"
    if f.is_file():
        try:
            return json.loads(f.read_text())
        except ValueError:
            pass  # a torn write: rebuild
    items = [base64.b64encode(b).decode("ascii") for b in make()]
    try:
        write_atomic(f, json.dumps(items))
    except OSError:
        pass  # a full or read-only cache only costs encoding again
    return items


def frame_parts(video: Path, budget: MediaBudget) -> list[dict]:
    return [{"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{b}"}}
            for b in _cached("frames", video, budget, lambda: sample_frames(video, budget))]


def audio_part(media: dict, budget: MediaBudget) -> dict:
    wav = find_file(media.get("audio"), AUDIO_EXTS)
    if wav is not None:
        (b64,) = _cached("wav", wav, budget, lambda: [wav_bytes(wav, budget.audio_max_seconds)])
    else:
        video = find_file(media.get("video"), VIDEO_EXTS)
        if video is None:
            raise MediaError(f"no audio: tried {media.get('audio')}{'/'.join(AUDIO_EXTS)} and the video")
        (b64,) = _cached("wav-from-video", video, budget, lambda: [audio_from_video(video, budget.audio_max_seconds)])
    return {"type": "input_audio", "input_audio": {"data": b64, "format": "wav"}}


def video_part(media: dict, url_base: str | None = None) -> dict:
    video = find_file(media.get("video"), VIDEO_EXTS)
    if video is None:
        raise MediaError(f"no video: tried {media.get('video')} with {', '.join(VIDEO_EXTS)}")
    if url_base:  # the server fetches it (e.g. a file server beside vLLM); the URL is part of the cache key
        return {"type": "video_url", "video_url": {"url": url_base.rstrip("/") + "/" + video.name}}
    mime = "video/mp4" if video.suffix.lower() == ".mp4" else f"video/{video.suffix.lstrip('.').lower()}"
    b64 = base64.b64encode(video.read_bytes()).decode("ascii")
    return {"type": "video_url", "video_url": {"url": f"data:{mime};base64,{b64}"}}


def image_frames(media: dict, budget: MediaBudget) -> list[dict]:
    video = find_file(media.get("video"), VIDEO_EXTS)
    if video is None:
        raise MediaError(f"no video: tried {media.get('video')} with {', '.join(VIDEO_EXTS)}")
    return frame_parts(video, budget)
