"""Execution engines for large inputs. ``ray_engine`` runs the same Analyzer over a Parquet
dataset with Ray Data (local machine or an existing Ray cluster). Engines import their heavy
dependencies inside their functions: ``import nlp.engines`` never needs Ray."""
