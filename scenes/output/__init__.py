"""Files out: frame sinks, the MP4 and GIF writers, YUV conversion, ffmpeg, atomic writes,
stills and the folders explain writes to. Never imports manim."""
