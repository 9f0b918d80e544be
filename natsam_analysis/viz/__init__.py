"""Figure builders (plotly ``go.Figure``). They format and draw; they compute no statistics."""
