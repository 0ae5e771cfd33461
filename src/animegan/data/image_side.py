"""The side of the square images the reference trains on, the default of every tool that makes or crops them:
prepared smooth images, the demo dataset, selected video frames, eval crops (training reads ``data.image_size``)."""

IMAGE_SIDE = 256
