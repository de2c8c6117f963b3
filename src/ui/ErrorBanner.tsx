/** User-facing failures (bad files, missing models, backend problems), until dismissed or the next success. */
import { useInspector } from './store-context';

export function ErrorBanner() {
  const errors = useInspector((s) => s.errors);
  const dismissErrors = useInspector((s) => s.dismissErrors);
  const dismissError = useInspector((s) => s.dismissError);
  if (errors.length === 0) return null;
  return (
    <div data-testid="error-banner" role="alert" className="error-banner">
      <ul>
        {errors.map((e) => (
          <li key={e.id}>
            <span>{e.message}</span>
            {errors.length > 1 && (
              <button type="button" className="link-button" onClick={() => dismissError(e.id)} aria-label={`Dismiss: ${e.message}`}>
                ×
              </button>
            )}
          </li>
        ))}
      </ul>
      <button type="button" className="button" onClick={dismissErrors}>
        Dismiss
      </button>
    </div>
  );
}
