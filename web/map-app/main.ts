// The MCP Apps view of render_map: receives the tool result from the host and draws it.
document.getElementById('map')!.textContent = 'Meridian map view';
