/**
 * The "Teach" tab: normal images of your own (drop / pick, thumbnails), the start point, epochs and
 * learning rate (presets or custom), light augmentation, a name to save under; start / cancel; progress
 * with ETA, the live loss curve, and after the run the calibration histogram and the threshold rule.
 */
import { CalibrationPanel } from './CalibrationPanel';
import { TrainImages } from './TrainImages';
import { TrainRun } from './TrainRun';
import { TrainSettingsForm } from './TrainSettingsForm';

export function TrainPanel({ onInspect }: { onInspect: () => void }) {
  return (
    <div data-testid="train-panel" className="train-layout">
      <div className="train-col">
        <TrainImages />
        <TrainSettingsForm />
      </div>
      <div className="train-col train-col-wide">
        <TrainRun onInspect={onInspect} />
        <CalibrationPanel />
      </div>
    </div>
  );
}
