/**
 * Under the viewer, for an image far outside the model's calibrated normal range (the store's
 * isNotYourProduct: the map's median above the calibrated threshold): the score means little here, the
 * model has never seen this product — and the way to make one that has is the Teach tab.
 */
import { isNotYourProduct, selectActiveModel, selectSelectedItem } from '../store';
import { useInspector } from './store-context';

export function NotYourProduct({ onTeach }: { onTeach: () => void }) {
  const foreign = useInspector((s) => isNotYourProduct(selectSelectedItem(s), s));
  const model = useInspector(selectActiveModel);
  if (!foreign) return null;
  return (
    <p data-testid="not-your-product" className="not-your-product" role="status">
      <strong>Not your product?</strong> Most of this image lies far outside the normal range of {model ? `“${model.title}”` : 'this model'}: it
      was not trained on this kind of part, so its verdict means little.{' '}
      <button type="button" className="button button-small" data-testid="not-your-product-teach" onClick={onTeach}>
        Teach this product
      </button>
    </p>
  );
}
