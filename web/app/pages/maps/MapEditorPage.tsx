import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import type { MapDefinition, MapLayer } from '../../../../src/maps/mapDefinition.ts';
import type { RenderedMap } from '../../../../src/maps/renderedMap.ts';
import { MapView } from '../../../shared/map/MapView.tsx';
import { ApiError, type FieldError } from '../../api.ts';
import { createMap, getMap, listConnections, previewMap, updateMap, type ConnectionInfo } from './mapsApi.ts';
import { LayerEditor } from './LayerEditor.tsx';
import { newLayer } from './newLayer.ts';
import { useDebounced } from './useDebounced.ts';
import { errorMessage } from './errorMessage.ts';

const EMPTY: MapDefinition = {
  title: '',
  description: '',
  viewport: null,
  layers: [newLayer([])],
  visibility: 'private',
};

/** /app/maps/new and /app/maps/:id/edit: the definition form with a live, debounced preview. */
export function MapEditorPage() {
  const { id } = useParams();
  const navigate = useNavigate();
  const [definition, setDefinition] = useState<MapDefinition | null>(id ? null : EMPTY);
  const [connections, setConnections] = useState<ConnectionInfo[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [fieldErrors, setFieldErrors] = useState<FieldError[]>([]);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const [preview, setPreview] = useState<RenderedMap | null>(null);
  const [previewError, setPreviewError] = useState<string | null>(null);

  useEffect(() => {
    void listConnections().then(setConnections);
    if (!id) return;
    getMap(id)
      .then((map) => {
        if (!map.canEdit) return setLoadError('You can view this map but not edit it.');
        const { title, description, viewport, layers, visibility } = map;
        setDefinition({ title, description, viewport, layers, visibility });
      })
      .catch((e: unknown) =>
        setLoadError(
          e instanceof ApiError && e.status === 404
            ? 'This map does not exist, or it is not shared with you.'
            : errorMessage(e),
        ),
      );
  }, [id]);

  // Preview once typing pauses, and only layers that name a source: half-filled rows would only yield errors.
  const settled = useDebounced(definition, 600);
  const previewBody = useMemo(() => {
    if (!settled) return null;
    const layers = settled.layers.filter(
      (l) => l.source.kind !== 'table' || (l.source.connection && l.source.table),
    );
    return layers.length
      ? JSON.stringify({ ...settled, title: settled.title.trim() || 'Untitled map', layers })
      : null;
  }, [settled]);
  useEffect(() => {
    if (!previewBody) return;
    let current = true;
    previewMap(JSON.parse(previewBody) as MapDefinition)
      .then((map) => current && (setPreview(map), setPreviewError(null)))
      .catch((e: unknown) => current && setPreviewError(describe(e)));
    return () => {
      current = false;
    };
  }, [previewBody]);

  if (loadError)
    return (
      <p className="maps-error" role="alert">
        {loadError} <Link to="/maps">Back to maps</Link>
      </p>
    );
  if (!definition) return <p>Loading…</p>;

  const errorsFor = (prefix: string) =>
    new Map(
      fieldErrors
        .filter((f) => f.field.startsWith(prefix))
        .map((f) => [f.field.slice(prefix.length), f.message]),
    );
  const topErrors = errorsFor('');
  const setLayers = (layers: MapLayer[]) => setDefinition({ ...definition, layers });

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    setSaveError(null);
    setFieldErrors([]);
    try {
      const saved = id ? await updateMap(id, definition) : await createMap(definition);
      navigate(`/maps/${encodeURIComponent(saved.id)}`);
    } catch (e) {
      if (e instanceof ApiError) setFieldErrors(e.errors);
      setSaveError(errorMessage(e));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form className="maps-page maps-editor" onSubmit={save} noValidate>
      <p className="maps-breadcrumb">
        <Link to="/maps">Maps</Link> ›
      </p>
      <h1>{id ? `Edit “${definition.title}”` : 'New map'}</h1>
      <div className="maps-editor-grid">
        <div className="maps-editor-form">
          <label>
            Title{' '}
            <input
              required
              maxLength={200}
              value={definition.title}
              onChange={(e) => setDefinition({ ...definition, title: e.target.value })}
            />
            {topErrors.get('title') && <span className="maps-field-error">{topErrors.get('title')}</span>}
          </label>
          <label>
            Description{' '}
            <textarea
              maxLength={4000}
              rows={2}
              value={definition.description}
              onChange={(e) => setDefinition({ ...definition, description: e.target.value })}
            />
          </label>
          <label>
            Visibility
            <select
              value={definition.visibility}
              onChange={(e) =>
                setDefinition({ ...definition, visibility: e.target.value as MapDefinition['visibility'] })
              }
            >
              <option value="private">Private: only me</option>
              <option value="organization">Organization: everyone in my organization</option>
            </select>
          </label>
          {definition.layers.map((layer, i) => (
            <LayerEditor
              key={layer.id}
              layer={layer}
              index={i}
              count={definition.layers.length}
              connections={connections}
              errors={errorsFor(`layers.${i}.`)}
              onChange={(next) => setLayers(definition.layers.map((l, j) => (j === i ? next : l)))}
              onRemove={() => setLayers(definition.layers.filter((_, j) => j !== i))}
              onMove={(delta) => {
                const layers = [...definition.layers];
                [layers[i], layers[i + delta]] = [layers[i + delta]!, layers[i]!];
                setLayers(layers);
              }}
            />
          ))}
          <button
            type="button"
            className="button"
            disabled={definition.layers.length >= 10}
            onClick={() => setLayers([...definition.layers, newLayer(definition.layers)])}
          >
            Add a layer
          </button>
          {saveError && (
            <p className="maps-error" role="alert">
              {saveError}
            </p>
          )}
          <div className="maps-actions">
            <button type="submit" className="button primary" disabled={saving}>
              {saving ? 'Saving…' : id ? 'Save changes' : 'Create map'}
            </button>
            <Link className="button" to={id ? `/maps/${encodeURIComponent(id)}` : '/maps'}>
              Cancel
            </Link>
          </div>
        </div>
        <div className="maps-editor-preview" aria-label="Preview">
          {previewError && (
            <p className="maps-error" role="status">
              {previewError}
            </p>
          )}
          {preview ? (
            <MapView map={preview} height={520} />
          ) : (
            <div className="maps-placeholder">Pick a connection and a table to see the map.</div>
          )}
        </div>
      </div>
    </form>
  );
}

function describe(error: unknown): string {
  const message = errorMessage(error);
  if (error instanceof ApiError && error.errors.length)
    return `${message} ${error.errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`;
  return message;
}
