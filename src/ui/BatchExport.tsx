/** Under the image list: the inspected images as a CSV (score, verdict, regions and the settings they were judged with). */
import { useInspector } from './store-context';

export function BatchExport() {
  const count = useInspector((s) => s.items.length);
  const exportCsv = useInspector((s) => s.exportInspectedCsv);
  if (count === 0) return null;
  return (
    <div className="panel-actions">
      <button type="button" className="button button-small" data-testid="export-inspected-csv" onClick={() => void exportCsv()}>
        Export results (CSV)
      </button>
    </div>
  );
}
