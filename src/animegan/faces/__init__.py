"""Faces: dlib detection and landmarks (``detect``), FFHQ alignment (``align``), tracking through video
(``track``), stylize-and-paste-back (``paste``) and stylized face crops (``crops``)."""
