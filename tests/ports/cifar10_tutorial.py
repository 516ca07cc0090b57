"""pytorch/tutorials beginner_source/blitz/cifar10_tutorial.py ("Training a Classifier": a
LeNet on CIFAR10 with SGD and momentum, two DataLoader worker processes), with its import
lines changed, CIFAR10 replaced by small generated 3x32x32 images (80 to train, 40 to test)
normalised as its ``transforms.Normalize((0.5, 0.5, 0.5), (0.5, 0.5, 0.5))`` does, the
running loss printed every 5 mini-batches instead of every 2000, and the matplotlib and
``torchvision.utils.make_grid`` display left out."""

# ruff: noqa: B905  (the program's own code, kept verbatim)
from __future__ import annotations

from typing import Any

from ports._data import images


def run(fw: Any) -> dict[str, Any]:
    torch = fw.torch
    record: dict[str, Any] = {"running_loss": []}

    batch_size = 4

    # port: generated images for torchvision.datasets.CIFAR10(..., transform=transform)
    def dataset(n, seed):
        x, y = images(n, (3, 32, 32), seed=seed)
        x = (x - 0.5) / 0.5
        return torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    trainset = dataset(80, seed=7)
    trainloader = torch.utils.data.DataLoader(trainset, batch_size=batch_size,
                                              shuffle=True, num_workers=2)

    testset = dataset(40, seed=8)
    testloader = torch.utils.data.DataLoader(testset, batch_size=batch_size,
                                             shuffle=False, num_workers=2)

    classes = ('plane', 'car', 'bird', 'cat',
               'deer', 'dog', 'frog', 'horse', 'ship', 'truck')

    # get some random training images
    dataiter = iter(trainloader)
    images_, labels = next(dataiter)

    # print labels
    print(' '.join(f'{classes[labels[j]]:5s}' for j in range(batch_size)))

    nn = fw.torch.nn  # port: ``import torch.nn as nn``
    F = fw.F  # port: ``import torch.nn.functional as F``

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(3, 6, 5)
            self.pool = nn.MaxPool2d(2, 2)
            self.conv2 = nn.Conv2d(6, 16, 5)
            self.fc1 = nn.Linear(16 * 5 * 5, 120)
            self.fc2 = nn.Linear(120, 84)
            self.fc3 = nn.Linear(84, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = torch.flatten(x, 1) # flatten all dimensions except batch
            x = F.relu(self.fc1(x))
            x = F.relu(self.fc2(x))
            x = self.fc3(x)
            return x

    net = Net()
    fw.sync(net)  # port: the same initial weights in both runs

    optim = fw.optim  # port: ``import torch.optim as optim``

    criterion = nn.CrossEntropyLoss()
    optimizer = optim.SGD(net.parameters(), lr=0.001, momentum=0.9)

    for epoch in range(2):  # loop over the dataset multiple times

        running_loss = 0.0
        for i, data in enumerate(trainloader, 0):
            # get the inputs; data is a list of [inputs, labels]
            inputs, labels = data

            # zero the parameter gradients
            optimizer.zero_grad()

            # forward + backward + optimize
            outputs = net(inputs)
            loss = criterion(outputs, labels)
            loss.backward()
            optimizer.step()

            # print statistics
            running_loss += loss.item()
            if i % 5 == 4:    # print every 5 mini-batches
                print(f'[{epoch + 1}, {i + 1:5d}] loss: {running_loss / 5:.3f}')
                record["running_loss"].append(running_loss / 5)
                running_loss = 0.0

    print('Finished Training')

    PATH = './cifar_net.pth'
    torch.save(net.state_dict(), PATH)

    dataiter = iter(testloader)
    images_, labels = next(dataiter)

    # print images
    print('GroundTruth: ', ' '.join(f'{classes[labels[j]]:5s}' for j in range(4)))

    net = Net()
    net.load_state_dict(torch.load(PATH))

    outputs = net(images_)

    _, predicted = torch.max(outputs, 1)

    print('Predicted: ', ' '.join(f'{classes[predicted[j]]:5s}'
                                  for j in range(4)))
    record["outputs"] = outputs.detach().numpy().ravel().tolist()

    correct = 0
    total = 0
    # since we're not training, we don't need to calculate the gradients for our outputs
    with torch.no_grad():
        for data in testloader:
            images_, labels = data
            # calculate outputs by running images through the network
            outputs = net(images_)
            # the class with the highest energy is what we choose as prediction
            _, predicted = torch.max(outputs.data, 1)
            total += labels.size(0)
            correct += (predicted == labels).sum().item()

    print(f'Accuracy of the network on the 10000 test images: {100 * correct // total} %')
    record["correct"] = correct

    # prepare to count predictions for each class
    correct_pred = {classname: 0 for classname in classes}
    total_pred = {classname: 0 for classname in classes}

    # again no gradients needed
    with torch.no_grad():
        for data in testloader:
            images_, labels = data
            outputs = net(images_)
            _, predictions = torch.max(outputs, 1)
            # collect the correct predictions for each class
            for label, prediction in zip(labels, predictions):
                if label == prediction:
                    correct_pred[classes[label]] += 1
                total_pred[classes[label]] += 1

    # print accuracy for each class
    for classname, correct_count in correct_pred.items():
        accuracy = 100 * float(correct_count) / total_pred[classname]
        print(f'Accuracy for class: {classname:5s} is {accuracy:.1f} %')
    record["correct_pred"] = [correct_pred[c] for c in classes]

    device = torch.device('cuda:0' if torch.cuda.is_available() else 'cpu')

    # Assuming that we are on a CUDA machine, this should print a CUDA device:

    print(device)
    del dataiter
    return record
