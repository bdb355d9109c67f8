"""Small applications that use tavus_async, shown in the docs and tested."""
