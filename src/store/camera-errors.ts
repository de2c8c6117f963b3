/**
 * getUserMedia's failures as messages a user can act on. The error names are the Media Capture spec's
 * (plus Chromium's older aliases); anything else keeps the browser's own text.
 */

/** Shown when the track ends while the camera is running (unplugged, or taken away by the system). */
export const CAMERA_ENDED_MESSAGE =
  'The camera stopped delivering pictures: it was unplugged or switched off (or the system took it away). Reconnect it and press Start.';

/** `e` from a rejected getUserMedia (a DOMException, or an Error from the camera service). */
export function cameraErrorMessage(e: unknown): string {
  const err = e as { name?: unknown; message?: unknown; constraint?: unknown } | null;
  const name = typeof err?.name === 'string' ? err.name : '';
  const detail = typeof err?.message === 'string' && err.message ? err.message : String(e);
  switch (name) {
    case 'NotFoundError':
    case 'DevicesNotFoundError':
      return 'No camera found: connect a camera (or enable it in the system settings) and press Start.';
    case 'OverconstrainedError':
    case 'ConstraintNotSatisfiedError':
      if (err?.constraint === 'deviceId') return 'The chosen camera is no longer available: pick another one and press Start.';
      return `The camera cannot deliver the chosen resolution${typeof err?.constraint === 'string' && err.constraint ? ` (${err.constraint})` : ''}: choose another resolution and press Start.`;
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      return 'Camera access was denied. Allow the camera for this page (the camera icon in the address bar, or the browser’s site settings), then press Start.';
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return 'The camera is in use by another program (or could not be started): close the other program and press Start.';
    case 'NotSupportedError':
      return `This browser gives this page no camera access (${detail}).`;
    default:
      return `The camera could not be started: ${detail}`;
  }
}
