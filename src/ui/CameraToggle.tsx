/** The sidebar's switch between the selected image and the live camera view. */
import { useShallow } from 'zustand/react/shallow';
import { useInspector } from './store-context';

export function CameraToggle() {
  const { open, setOpen, status } = useInspector(useShallow((s) => ({ open: s.cameraOpen, setOpen: s.setCameraOpen, status: s.cameraStatus })));
  return (
    <section className="panel" aria-labelledby="camera-heading">
      <h2 id="camera-heading" className="panel-title">
        Live camera
      </h2>
      <button type="button" className="button camera-toggle" data-testid="camera-toggle" aria-pressed={open} onClick={() => setOpen(!open)}>
        {open ? 'Back to the selected image' : 'Inspect from a camera…'}
      </button>
      {open && status === 'live' && <p className="muted small">Captured frames appear in the list below.</p>}
    </section>
  );
}
