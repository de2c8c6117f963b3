import { describe, expect, it } from 'vitest';
import { cameraErrorMessage } from './camera-errors';

const named = (name: string, message = '', constraint?: string) => Object.assign(new Error(message), { name, constraint });

describe('camera error messages', () => {
  it('names each getUserMedia failure and what to do', () => {
    expect(cameraErrorMessage(named('NotFoundError', 'Requested device not found'))).toMatch(/^No camera found: connect a camera/);
    expect(cameraErrorMessage(named('DevicesNotFoundError'))).toMatch(/^No camera found/);
    expect(cameraErrorMessage(named('NotAllowedError', 'Permission denied'))).toMatch(/^Camera access was denied\. Allow the camera/);
    expect(cameraErrorMessage(named('PermissionDeniedError'))).toMatch(/denied/);
    expect(cameraErrorMessage(named('SecurityError'))).toMatch(/denied/);
    expect(cameraErrorMessage(named('NotReadableError', 'Could not start video source'))).toMatch(/^The camera is in use by another program/);
    expect(cameraErrorMessage(named('TrackStartError'))).toMatch(/in use by another program/);
    expect(cameraErrorMessage(named('AbortError'))).toMatch(/in use by another program/);
    expect(cameraErrorMessage(named('OverconstrainedError', '', 'height'))).toBe(
      'The camera cannot deliver the chosen resolution (height): choose another resolution and press Start.',
    );
    expect(cameraErrorMessage(named('OverconstrainedError', '', 'deviceId'))).toMatch(/chosen camera is no longer available/);
    expect(cameraErrorMessage(named('NotSupportedError', 'getUserMedia needs https or localhost'))).toBe(
      'This browser gives this page no camera access (getUserMedia needs https or localhost).',
    );
  });

  it('keeps the browser’s text for anything else', () => {
    expect(cameraErrorMessage(named('WeirdError', 'the driver crashed'))).toBe('The camera could not be started: the driver crashed');
    expect(cameraErrorMessage('plain string')).toBe('The camera could not be started: plain string');
  });
});
